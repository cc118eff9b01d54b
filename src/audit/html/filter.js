(function () {
  // Rows stay visible without JavaScript; this only reveals the box.
  var wrap = document.getElementById("filter-wrap");
  var box = document.getElementById("filter");
  var status = document.getElementById("filter-status");
  if (!wrap || !box) return;
  var rows = document.querySelectorAll("tr.finding");
  var sections = document.querySelectorAll("section.kind");
  function run() {
    var q = box.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (r) {
      var match = !q || r.textContent.toLowerCase().indexOf(q) >= 0;
      r.hidden = !match;
      if (match) shown++;
    });
    sections.forEach(function (s) {
      s.hidden = !s.querySelector("tr.finding:not([hidden])");
    });
    status.textContent = q ? shown + " of " + rows.length + " findings match" : "";
  }
  // "#filter=TEXT" in the address opens the page filtered.
  if (location.hash.indexOf("#filter=") === 0) {
    try { box.value = decodeURIComponent(location.hash.slice(8)); } catch (e) {}
  }
  box.addEventListener("input", run);
  wrap.hidden = false;
  run();
})();
