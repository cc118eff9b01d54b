//! What each finding kind means, in words for the hosting engineer or the
//! billing person who reads the page, and the colour that marks it in the
//! chart and the tables. The CSS classes `c0`…`c8` in `page.css` carry the
//! same colours (a unit test keeps the two in step).

pub struct Kind {
    pub slug: &'static str,
    /// Short, for the chart.
    pub label: &'static str,
    pub title: &'static str,
    /// What to do, explained (under the section heading).
    pub todo: &'static str,
    /// The same in a few words, for rows without their own advice.
    pub act: &'static str,
    pub colour: &'static str,
}

/// In the order the page shows them: money first, then what breaks sites.
pub const KINDS: [Kind; 8] = [
    Kind {
        slug: "billed_without_local_site",
        label: "Billed, no local site",
        title: "Billed, but the site is not on this server",
        todo: "You are paying for a product on a site that was not found here. \
               If the site is gone or moved to another host, cancel the product.",
        act: "Cancel it if the site is gone.",
        colour: "#b42318",
    },
    Kind {
        slug: "local_product_not_billed",
        label: "Not billed",
        title: "Product on the site, but no billed activation for it",
        todo: "Jetpack on the site shows our product, but the activations report \
               has no billed activation for it. Check whether it came from another \
               partner key or by hand before you provision it again.",
        act: "Check where it came from before provisioning again.",
        colour: "#c4540a",
    },
    Kind {
        slug: "pending_over_14_days",
        label: "Pending over 14 days",
        title: "Pending for more than 14 days: the owner never connected",
        todo: "Provisioned, but the owner never connected Jetpack; it expires \
               unbilled after 14 days. Ask the customer to connect the site \
               (a magic link helps), or cancel it.",
        act: "Ask the owner to connect, or cancel.",
        colour: "#9a6b00",
    },
    Kind {
        slug: "safe_mode",
        label: "Safe mode copy",
        title: "Copy of another site, in Jetpack safe mode",
        todo: "This install is a copy (staging, clone or migration) of another site. \
               Anything sent by blog id acts on the original. Sort it out in \
               Jetpack's safe mode screen before provisioning or cancelling.",
        act: "Resolve safe mode before sending anything.",
        colour: "#6941c6",
    },
    Kind {
        slug: "duplicate_blog_id",
        label: "Duplicate blog id",
        title: "Two installs share one blog id",
        todo: "Only one of them is the real site. Find the copy and resolve it in \
               Jetpack safe mode; until then, send nothing by this blog id.",
        act: "Find the copy; send nothing by this blog id.",
        colour: "#c11574",
    },
    Kind {
        slug: "not_connected",
        label: "Not connected",
        title: "Jetpack is not connected",
        todo: "Jetpack is installed but not connected to WordPress.com, so no plan \
               can work. Provision again, or ask the owner to connect.",
        act: "Provision again, or ask the owner to connect.",
        colour: "#0e7490",
    },
    Kind {
        slug: "license_error",
        label: "License error",
        title: "A license could not be attached",
        todo: "Jetpack recorded jetpack_licenses_error on the site. Read the reason \
               in the evidence, fix it (wrong key, key used elsewhere, site not \
               connected) and set the license again.",
        act: "Fix the cause, then set the license again.",
        colour: "#8a4b0f",
    },
    Kind {
        slug: "drift",
        label: "Drift",
        title: "Differs from the desired state",
        todo: "The site does not match the --desired file: jetpack-partner apply \
               would make the change shown. Run it, or correct the file.",
        act: "Run apply, or correct the --desired file.",
        colour: "#175cd3",
    },
];

/// Kinds this version does not know still get a section (class `c8`).
pub const OTHER_COLOUR: &str = "#667085";
pub const OTHER_ACT: &str = "Read the evidence.";
pub const OTHER_TODO: &str = "This version of jetpack-partner has no advice for this \
                              kind of finding; read the evidence.";

/// The known kind and its colour index, or index 8 for an unknown kind.
pub fn find(slug: &str) -> (Option<&'static Kind>, usize) {
    match KINDS.iter().position(|k| k.slug == slug) {
        Some(i) => (Some(&KINDS[i]), i),
        None => (None, KINDS.len()),
    }
}
