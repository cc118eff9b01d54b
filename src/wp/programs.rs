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
/// siteurl, home, Jetpack's blog id, Jetpack's safe-mode check
/// (JETPACK_WP_SAFE_MODE=1), and Jetpack activated (JETPACK_WP_ACTIVATE=1,
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
