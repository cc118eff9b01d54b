//! The PHP programs behind the facts calls: constants assembled from these
//! pieces at compile time; values reach them only by environment variable
//! (never as PHP source text).

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

/// PHP: `$safe` (`$key` of `$into`): Jetpack's own safe-mode check (the
/// identity crisis of a copied site), as `wp jetpack partner_cancel` ran
/// it: `Identity_Crisis::validate_sync_error_idc_option()`, else the older
/// `Jetpack::validate_sync_error_idc_option()`; null when neither exists
/// (no Jetpack). Plugins are skipped, so Jetpack's autoloader is loaded
/// here, and the filter that reads the stored WordPress.com URLs the right
/// way round is added as Jetpack adds it. The check is Jetpack's: it may
/// tidy its own option, as it does on every request.
macro_rules! php_safe_mode {
    () => {
        r#"function jetpack_partner_safe_mode() {
  $c = 'Automattic\Jetpack\Identity_Crisis';
  if (!class_exists($c) && defined('WP_PLUGIN_DIR')) {
    $al = WP_PLUGIN_DIR . '/jetpack/vendor/autoload_packages.php';
    if (is_readable($al)) { require_once $al; }
  }
  if (class_exists($c) && method_exists($c, 'validate_sync_error_idc_option')) {
    if (method_exists($c, 'reverse_wpcom_urls_for_idc') && !has_filter('jetpack_options', array($c, 'reverse_wpcom_urls_for_idc'))) {
      add_filter('jetpack_options', array($c, 'reverse_wpcom_urls_for_idc'));
    }
    return (bool) call_user_func(array($c, 'validate_sync_error_idc_option'));
  }
  if (class_exists('Jetpack') && method_exists('Jetpack', 'validate_sync_error_idc_option')) {
    return (bool) call_user_func(array('Jetpack', 'validate_sync_error_idc_option'));
  }
  // Jetpack's check cannot be reached (an old Jetpack, not loaded with
  // plugins skipped): while its identity-crisis option is set the site is
  // taken for a copy, the safe side; without it, nothing is known.
  return get_option('jetpack_sync_error_idc') ? true : null;
}
function jetpack_partner_check_safe_mode(&$into) {
  try {
    $into['safe_mode'] = jetpack_partner_safe_mode();
  } catch (\Throwable $e) {
    $into['safe_mode'] = null;
    $into['safe_mode_error'] = get_class($e) . ': ' . $e->getMessage();
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
/// siteurl, home, Jetpack's blog id and last license error
/// (`jetpack_options['licensing_error']`, only when set), the products of
/// the keys in `jetpack_licenses` (`licensed`: never a key; only when
/// there are some), Jetpack's
/// safe-mode check (JETPACK_WP_SAFE_MODE=1), and Jetpack activated (JETPACK_WP_ACTIVATE=1,
/// only when the user exists).
pub const FACTS_PHP: &str = concat!(
    php_safe_mode!(),
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
if (is_array($o) && isset($o['licensing_error']) && is_scalar($o['licensing_error']) && (string) $o['licensing_error'] !== '') { $out['licensing_error'] = (string) $o['licensing_error']; }
$lp = array();
foreach ((array) get_option('jetpack_licenses', array()) as $k) { if (is_string($k) && strpos($k, '_') > 0) { $lp[] = substr($k, 0, strpos($k, '_')); } }
if ($lp) { $out['licensed'] = array_values(array_unique($lp)); }
if (getenv('JETPACK_WP_SAFE_MODE') === '1') { jetpack_partner_check_safe_mode($out); }
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
    php_safe_mode!(),
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
    if (is_array($o) && isset($o['licensing_error']) && is_scalar($o['licensing_error']) && (string) $o['licensing_error'] !== '') { $s['licensing_error'] = (string) $o['licensing_error']; }
    $lp = array();
    foreach ((array) get_option('jetpack_licenses', array()) as $k) { if (is_string($k) && strpos($k, '_') > 0) { $lp[] = substr($k, 0, strpos($k, '_')); } }
    if ($lp) { $s['licensed'] = array_values(array_unique($lp)); }
    if (getenv('JETPACK_WP_SAFE_MODE') === '1') { jetpack_partner_check_safe_mode($s); }
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

/// The PHP behind `license set` and `license unset` (one `wp eval`, with
/// plugins loaded: Jetpack's licensing is what attaches the keys). Values
/// by environment: JETPACK_WP_LICENSE_OP (`set` or `unset`),
/// JETPACK_WP_LICENSES (the keys, one a line), JETPACK_WP_SAFE_MODE=1
/// (Jetpack's safe-mode check first: a copy is left alone).
///
/// `jetpack_licenses` keeps every entry already there, in its order, and is
/// written as a list (`["K1","K2"]`, even where it held an object with
/// gaps or a lone string); a key is added once. Jetpack attaches the
/// stored keys from its own option hooks; here those hooks are held while
/// the option is written, and Jetpack's `attach_stored_licenses()` is
/// called once instead, so that each key's result is known (Jetpack keeps
/// only a message in `jetpack_options['licensing_error']`, and never clears
/// it). `set` attaches even when the option is unchanged (a retry); `unset`
/// attaches nothing (the license stays on its site at WordPress.com until
/// `license detach`). The answer says how it went; the keys themselves are
/// never in it, only their positions.
pub const LICENSES_PHP: &str = concat!(
    php_safe_mode!(),
    r#"function jetpack_partner_licensing_error() {
  $o = get_option('jetpack_options');
  return (is_array($o) && isset($o['licensing_error']) && is_scalar($o['licensing_error'])) ? (string) $o['licensing_error'] : '';
}
function jetpack_partner_licenses() {
  $out = array('marker' => 1);
  $o = get_option('jetpack_options');
  $out['blog_id'] = (is_array($o) && isset($o['id'])) ? (int) $o['id'] : 0;
  if (getenv('JETPACK_WP_SAFE_MODE') === '1') {
    jetpack_partner_check_safe_mode($out);
    if (!empty($out['safe_mode']) || isset($out['safe_mode_error'])) { return $out; }
  }
  $set = getenv('JETPACK_WP_LICENSE_OP') === 'set';
  $given = array_values(array_filter(explode("\n", (string) getenv('JETPACK_WP_LICENSES')), 'strlen'));
  $str = function ($v) { return is_scalar($v) ? (string) $v : null; };
  $raw = get_option('jetpack_licenses', null);
  $keys = ($raw === null || $raw === false) ? array() : array_values((array) $raw);
  $before = count($keys);
  if ($set) {
    $have = array_map($str, $keys);
    foreach ($given as $k) {
      if (!in_array($k, $have, true)) { $keys[] = $k; $have[] = $k; }
    }
  } else {
    $keys = array_values(array_filter($keys, function ($v) use ($given, $str) { return !in_array($str($v), $given, true); }));
  }
  $out['added'] = $set ? count($keys) - $before : 0;
  $out['removed'] = $set ? 0 : $before - count($keys);
  $out['changed'] = ($raw === null || $raw === false) ? count($keys) > 0 : $keys !== $raw;
  $lic = null;
  foreach (array('Automattic\Jetpack\Licensing', 'Automattic\Jetpack\Licensing\Manager') as $c) {
    if (class_exists($c) && method_exists($c, 'instance')) { $lic = call_user_func(array($c, 'instance')); break; }
  }
  $can = is_object($lic) && method_exists($lic, 'attach_stored_licenses');
  $error_before = jetpack_partner_licensing_error();
  if ($out['changed']) {
    $held = array();
    if ($can) {
      foreach (array('add_option_jetpack_licenses', 'update_option_jetpack_licenses') as $h) {
        $p = has_action($h, array($lic, 'attach_stored_licenses'));
        if ($p !== false) { remove_action($h, array($lic, 'attach_stored_licenses'), $p); $held[$h] = $p; }
      }
    }
    $ok = update_option('jetpack_licenses', $keys);
    foreach ($held as $h => $p) { add_action($h, array($lic, 'attach_stored_licenses'), $p); }
    if (!$ok && get_option('jetpack_licenses') !== $keys) { $out['write_error'] = "update_option('jetpack_licenses') failed"; return $out; }
  }
  // As Jetpack reads them (stored_licenses()): scalars, as text, not empty.
  $stored = array_values(array_filter(array_map('strval', array_filter($keys, 'is_scalar'))));
  $out['stored'] = count($stored);
  if (!$set) {
    $out['attach'] = 'not_tried';
  } elseif (!$can) {
    $out['attach'] = 'no_jetpack';
  } else {
    $r = $lic->attach_stored_licenses();
    if (is_wp_error($r)) {
      $out['attach'] = array('code' => (string) $r->get_error_code(), 'message' => (string) $r->get_error_message());
    } else {
      $results = array_values((array) $r);
      $failed = array();
      $others = 0;
      foreach ($stored as $i => $k) {
        if (!isset($results[$i]) || !is_wp_error($results[$i])) { continue; }
        $at = array_search($k, $given, true);
        if ($at === false) { $others++; continue; }
        $failed[] = array('given' => $at + 1, 'code' => (string) $results[$i]->get_error_code(), 'message' => (string) $results[$i]->get_error_message());
      }
      $out['attach'] = 'done';
      $out['failed'] = $failed;
      $out['others_failed'] = $others;
    }
  }
  $error_after = jetpack_partner_licensing_error();
  if ($error_after !== '' && $error_after !== $error_before) { $out['jetpack_error'] = $error_after; }
  return $out;
}
$out = jetpack_partner_licenses();
"#,
    php_answer!()
);
