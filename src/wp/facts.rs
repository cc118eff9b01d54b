//! What we ask WordPress: everything in one `wp eval` (one bootstrap), or,
//! where eval is not available, one command per value.

use super::parse::{parse_blog_id, parse_id, parse_marked, parse_url, snippet, wp_error_words};
use super::{refuse_option_like, Wp};
use crate::error::{Error, Result};
use crate::output;
use serde_json::Value;

// The facts programs are constants assembled from these pieces at compile
// time; values reach them only by environment variable.

/// PHP: `$user` for the user `$u` names, looked up as WP-CLI's `--user`
/// does: ID, then email, then login.
macro_rules! php_find_user {
    () => {
        r#"  $user = false;
  if (is_numeric($u)) { $user = get_user_by('id', (int) $u); }
  if (!$user) { $user = get_user_by('email', $u); }
  if (!$user) { $user = get_user_by('login', $u); }
"#
    };
}

/// PHP: `$file`, the `jetpack` plugin's main file ('' when not installed),
/// found by folder as WP-CLI finds a plugin by slug.
macro_rules! php_find_jetpack {
    () => {
        r#"  if (!function_exists('activate_plugin')) { require_once ABSPATH . 'wp-admin/includes/plugin.php'; }
  $file = '';
  foreach (array_keys(get_plugins()) as $f) {
    if (dirname($f) === 'jetpack' || $f === 'jetpack.php') {
      $file = $f;
      if (basename($f) === 'jetpack.php') { break; }
    }
  }
"#
    };
}

/// PHP: `$out` as the answer: one JSON object after a marker on its own
/// line, so whatever plugins or notices print around it does not matter.
macro_rules! php_answer {
    () => {
        r#"echo "\nJETPACK_PARTNER_FACTS " . json_encode($out) . "\n";"#
    };
}

/// The PHP behind the single `wp eval` call: the user (JETPACK_WP_USER),
/// siteurl, home, Jetpack's blog id, and Jetpack activated
/// (JETPACK_WP_ACTIVATE=1, only when the user exists).
pub const FACTS_PHP: &str = concat!(
    r#"$u = getenv('JETPACK_WP_USER');
$out = array('marker' => 1);
if (is_string($u) && $u !== '') {
"#,
    php_find_user!(),
    r#"  $out['user_id'] = $user ? (int) $user->ID : 0;
}
$out['siteurl'] = (string) get_option('siteurl');
$out['home'] = (string) get_option('home');
$o = get_option('jetpack_options');
$out['blog_id'] = (is_array($o) && isset($o['id'])) ? (int) $o['id'] : 0;
if (getenv('JETPACK_WP_ACTIVATE') === '1' && (!isset($out['user_id']) || $out['user_id'] > 0)) {
"#,
    php_find_jetpack!(),
    r#"  if ($file === '') {
    $out['activate'] = "The 'jetpack' plugin could not be found.";
  } elseif (is_plugin_active($file)) {
    $out['activate'] = 'ok';
  } else {
    $r = activate_plugin($file);
    $out['activate'] = is_wp_error($r) ? $r->get_error_message() : 'ok';
  }
}
"#,
    php_answer!()
);

/// The PHP behind `--all-sites`: the facts of every site of the network in
/// one bootstrap (switching blogs inside it). Archived, deleted and spam
/// sites are left out. The user and whether to activate Jetpack come by
/// environment, as for [`FACTS_PHP`]. A user counts for a site when it is a
/// member of it or a super admin.
pub const NETWORK_FACTS_PHP: &str = concat!(
    r#"$u = getenv('JETPACK_WP_USER');
$activate = getenv('JETPACK_WP_ACTIVATE') === '1';
$out = array('marker' => 1, 'multisite' => is_multisite(), 'sites' => array());
if (is_multisite()) {
  if (is_string($u) && $u !== '') {
"#,
    php_find_user!(),
    r#"  } else {
    $user = false;
  }
"#,
    php_find_jetpack!(),
    r#"  $network_active = $file !== '' && is_plugin_active_for_network($file);
  foreach (get_sites(array('number' => 0, 'archived' => 0, 'deleted' => 0, 'spam' => 0)) as $site) {
    $id = (int) $site->blog_id;
    switch_to_blog($id);
    $s = array('url' => home_url('/'), 'siteurl' => (string) get_option('siteurl'), 'home' => (string) get_option('home'));
    $o = get_option('jetpack_options');
    $s['blog_id'] = (is_array($o) && isset($o['id'])) ? (int) $o['id'] : 0;
    if (is_string($u) && $u !== '') {
      $ok = $user && (is_super_admin($user->ID) || is_user_member_of_blog($user->ID, $id));
      $s['user_id'] = $ok ? (int) $user->ID : 0;
    }
    if ($activate && (!isset($s['user_id']) || $s['user_id'] > 0)) {
      if ($file === '') {
        $s['activate'] = "The 'jetpack' plugin could not be found.";
      } elseif ($network_active || is_plugin_active($file)) {
        $s['activate'] = 'ok';
      } else {
        $r = activate_plugin($file);
        $s['activate'] = is_wp_error($r) ? $r->get_error_message() : 'ok';
      }
    }
    restore_current_blog();
    $out['sites'][] = $s;
  }
}
"#,
    php_answer!()
);

/// One site of a network, as [`NETWORK_FACTS_PHP`] found it.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSite {
    /// The site's URL (`home_url('/')`), as `wp site list` gives it.
    pub url: String,
    pub facts: Facts,
    /// None: no user asked for; Some(false): no such user on this site.
    pub user_ok: Option<bool>,
}

/// What a command wants to know about the site.
#[derive(Debug, Default, Clone)]
pub struct Want<'a> {
    /// Check this user exists (ID, email, login).
    pub user: Option<&'a str>,
    pub siteurl: bool,
    pub home: bool,
    pub blog_id: bool,
    /// Activate the `jetpack` plugin (only once the user is known to exist).
    pub activate: bool,
}

/// What WordPress told us.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Facts {
    pub siteurl: Option<String>,
    pub home: Option<String>,
    /// Jetpack's WordPress.com blog id; None when the site was never connected.
    pub blog_id: Option<u64>,
}

/// A non-empty string member.
fn text(v: &Value, k: &str) -> Option<String> {
    v.get(k)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// siteurl, home and the Jetpack blog id of a facts answer.
fn facts_of(v: &Value) -> Facts {
    Facts {
        siteurl: text(v, "siteurl"),
        home: text(v, "home"),
        blog_id: v.get("blog_id").and_then(Value::as_u64).filter(|n| *n > 0),
    }
}

impl Wp {
    /// Everything `want` asks for, from one `wp eval` (one WordPress
    /// bootstrap, plugins and themes skipped). When eval is not available
    /// (disabled in wp-cli.yml, an old WP-CLI, unreadable answer) it falls
    /// back to one command per fact; failures that are about the site itself
    /// (no WordPress, root, time-out) are reported as they are.
    pub fn facts(&self, want: &Want) -> Result<Facts> {
        match self.facts_by_eval(want)? {
            Some(f) => Ok(f),
            None => self.facts_by_commands(want),
        }
    }

    /// Run a facts program (one `wp eval`, plugins and themes skipped):
    /// its marked answer, or Ok(None) when eval ran but gave no answer we
    /// can read (the caller falls back to plain commands).
    fn eval_facts(&self, program: &str, want: &Want) -> Result<Option<Value>> {
        // No user asked for: an empty value, so nothing the caller's shell
        // exported can slip in.
        let env = [
            ("JETPACK_WP_ACTIVATE", if want.activate { "1" } else { "0" }),
            ("JETPACK_WP_USER", want.user.unwrap_or("")),
        ];
        let pre = ["--skip-themes".to_string(), "--skip-plugins".to_string()];
        let out = self.run(&pre, &["eval", program], &env)?;
        let marked = parse_marked(&out.stdout_text());
        match (out.status.success(), marked) {
            (true, Some(v)) => Ok(Some(v)),
            _ => {
                let err = self.failure("wp eval", &out);
                // Failures of the site itself are the answer; anything else
                // (eval disabled in wp-cli.yml, an odd WP-CLI) gets a second
                // chance with plain commands.
                let (stderr, stdout) = (out.stderr_text(), out.stdout_text());
                let site_broken = super::parse::php_fatal(&stderr, &stdout).is_some()
                    || stderr.contains("critical error");
                if site_broken || !matches!(err, Error::WpFailed { .. }) {
                    return Err(err);
                }
                output::verbose(&format!(
                    "wp eval gave no facts ({err}); asking with one command per value"
                ));
                Ok(None)
            }
        }
    }

    /// Every site of the network in one bootstrap; Ok(None) when eval gave
    /// no answer (the caller falls back to `wp site list`).
    pub fn network_facts(&self, want: &Want) -> Result<Option<Vec<NetworkSite>>> {
        let Some(v) = self.eval_facts(NETWORK_FACTS_PHP, want)? else {
            return Ok(None);
        };
        if v.get("multisite") != Some(&Value::Bool(true)) {
            return Err(Error::WpNoSites);
        }
        let sites = v
            .get("sites")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut out = Vec::with_capacity(sites.len());
        for s in sites {
            let Some(url) = text(s, "url") else { continue };
            if let Some(msg) = s
                .get("activate")
                .and_then(Value::as_str)
                .filter(|a| *a != "ok")
            {
                output::verbose(&format!(
                    "{url}: could not activate jetpack (going on): {msg}"
                ));
            }
            out.push(NetworkSite {
                facts: facts_of(s),
                user_ok: s.get("user_id").map(|id| id.as_u64().unwrap_or(0) > 0),
                url,
            });
        }
        if out.is_empty() {
            return Err(Error::WpNoSites);
        }
        Ok(Some(out))
    }

    /// Ok(None): eval ran but gave no answer we can read (fall back).
    fn facts_by_eval(&self, want: &Want) -> Result<Option<Facts>> {
        let Some(v) = self.eval_facts(FACTS_PHP, want)? else {
            return Ok(None);
        };
        if let Some(u) = want.user {
            if v.get("user_id").and_then(Value::as_u64).unwrap_or(0) == 0 {
                return Err(self.no_such_user(u));
            }
        }
        if let Some(msg) = v
            .get("activate")
            .and_then(|a| a.as_str())
            .filter(|a| *a != "ok")
        {
            output::verbose(&format!("could not activate jetpack (going on): {msg}"));
        }
        Ok(Some(facts_of(&v)))
    }

    fn facts_by_commands(&self, want: &Want) -> Result<Facts> {
        let mut f = Facts::default();
        if let Some(u) = want.user {
            self.user_id(u)?;
        }
        if want.siteurl {
            f.siteurl = Some(self.url_option("siteurl")?);
        }
        if want.activate {
            self.activate_jetpack();
        }
        if want.blog_id {
            f.blog_id = self.jetpack_blog_id()?;
        }
        if want.home && f.blog_id.is_none() {
            f.home = Some(self.url_option("home")?);
        }
        Ok(f)
    }

    /// Confirm `user` exists (WP-CLI looks it up as ID, then email, then login).
    fn user_id(&self, user: &str) -> Result<u64> {
        refuse_option_like(user)?;
        let out = self.run(&[], &["user", "get", user, "--field=ID"], &[])?;
        if !out.status.success() {
            if out.stderr_text().contains("Invalid user") {
                return Err(self.no_such_user(user));
            }
            return Err(self.failure("wp user get", &out));
        }
        parse_id(&out.stdout_text()).ok_or_else(|| Error::WpNoValue {
            what: format!("wp user get {user:?}"),
            wanted: "user ID",
            printed: snippet(&out.stdout_text()),
        })
    }

    /// Read a URL option (`siteurl`, `home`) of the `--url` site.
    fn url_option(&self, name: &str) -> Result<String> {
        let out = self.run_ok(&["option", "get", name])?;
        parse_url(&out.stdout_text()).ok_or_else(|| Error::WpNoValue {
            what: format!("wp option get {name}"),
            wanted: "URL",
            printed: snippet(&out.stdout_text()),
        })
    }

    /// The Jetpack blog id (`id` in `jetpack_options`), None when the site
    /// was never connected.
    fn jetpack_blog_id(&self) -> Result<Option<u64>> {
        let out = self.run(
            &[],
            &["option", "get", "jetpack_options", "--format=json"],
            &[],
        )?;
        if !out.status.success() {
            if out
                .stderr_text()
                .contains("Could not get 'jetpack_options' option")
            {
                return Ok(None);
            }
            return Err(self.failure("wp option get jetpack_options", &out));
        }
        Ok(parse_blog_id(&out.stdout_text()))
    }

    /// Activate the `jetpack` plugin. Failure is not fatal (as in the
    /// scripts); we say why only with --verbose.
    fn activate_jetpack(&self) {
        match self.run(&[], &["plugin", "activate", "jetpack"], &[]) {
            Ok(out) if out.status.success() => {}
            Ok(out) => output::verbose(&format!(
                "could not activate jetpack (going on): {}",
                wp_error_words(&out.stderr_text(), &out.stdout_text())
            )),
            Err(e) => output::verbose(&format!("could not activate jetpack (going on): {e}")),
        }
    }
}
