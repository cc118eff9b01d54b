<?php
/*
 * Builds the sites of the PHP test tier with WordPress's own API (called by
 * tests/php/setup.sh, once per step; each step is a fresh PHP process because
 * wp-config.php changes between the multisite steps).
 *
 *   php install.php single  <root> <siteurl> <home> [jetpack blog id]
 *   php install.php network <root> <domain>
 *   php install.php subsite <root> <domain> <path> <title>
 */

// Every variable here is jp_*: this file runs in the global scope, where
// WordPress keeps $domain, $path, $title and friends.
function fail($msg)
{
    fwrite(STDERR, "install.php: $msg\n");
    exit(1);
}

$jp_step = isset($argv[1]) ? $argv[1] : '';
$jp_root = isset($argv[2]) ? rtrim($argv[2], '/') : '';
if ($jp_root === '' || !is_file("$jp_root/wp-load.php")) {
    fail('usage: php install.php single|network|subsite <wordpress root> ...');
}

// No mail from a test install (new-site notices); WordPress turns these
// pre-seeded entries into real hooks when it loads.
$GLOBALS['wp_filter']['pre_wp_mail'][10]['jp_test_no_mail'] = array(
    'function' => '__return_false',
    'accepted_args' => 1,
);

if ($jp_step === 'single') {
    if ($argc < 5) {
        fail('single needs <root> <siteurl> <home> [blog id]');
    }
    $jp_siteurl = $argv[3];
    $jp_home = $argv[4];
    $_SERVER['HTTP_HOST'] = parse_url($jp_home, PHP_URL_HOST);
    $_SERVER['SERVER_NAME'] = $_SERVER['HTTP_HOST'];
    $_SERVER['REQUEST_URI'] = '/';
    define('WP_INSTALLING', true);
    require "$jp_root/wp-load.php";
    require_once ABSPATH . 'wp-admin/includes/upgrade.php';
    if (is_blog_installed()) {
        fail("$jp_root is already installed (setup.sh makes a fresh database first)");
    }
    $jp_r = wp_install('Jetpack Partner Test', 'admin', 'admin@site.test', true, '', 'admin-password-for-tests');
    if ((int) $jp_r['user_id'] !== 1) {
        fail('admin got ID ' . var_export($jp_r['user_id'], true) . ', expected 1');
    }
    $jp_ed = wp_insert_user(array(
        'user_login' => 'editor2',
        'user_email' => 'ed@site.test',
        'user_pass' => 'editor-password-for-tests',
        'role' => 'editor',
    ));
    if (is_wp_error($jp_ed) || (int) $jp_ed !== 2) {
        fail('editor2: ' . (is_wp_error($jp_ed) ? $jp_ed->get_error_message() : "got ID $jp_ed, expected 2"));
    }
    update_option('siteurl', $jp_siteurl);
    update_option('home', $jp_home);
    if (isset($argv[5])) {
        update_option('jetpack_options', array('id' => (int) $argv[5]));
    }
    echo "  installed: siteurl ", get_option('siteurl'), ", home ", get_option('home'),
        ", users admin (1) and editor2 (2)",
        isset($argv[5]) ? ", jetpack_options id {$argv[5]}" : '', "\n";
} elseif ($jp_step === 'network') {
    // Single site -> network, as wp-admin's Network Setup (and
    // `wp core multisite-convert`) do; setup.sh then adds the MULTISITE
    // constants to wp-config.php.
    $jp_domain = $argv[3];
    $_SERVER['HTTP_HOST'] = $jp_domain;
    $_SERVER['SERVER_NAME'] = $jp_domain;
    $_SERVER['REQUEST_URI'] = '/';
    require "$jp_root/wp-load.php";
    require_once ABSPATH . 'wp-admin/includes/upgrade.php';
    global $wpdb;
    foreach ($wpdb->tables('ms_global') as $jp_table => $jp_prefixed) {
        $wpdb->$jp_table = $jp_prefixed;
    }
    install_network();
    $jp_r = populate_network(1, $jp_domain, get_option('admin_email'), 'Jetpack Partner Multi', '/', false);
    if (is_wp_error($jp_r)) {
        fail('populate_network: ' . $jp_r->get_error_message());
    }
    echo "  network created: $jp_domain/ (subdirectories)\n";
} elseif ($jp_step === 'subsite') {
    $jp_domain = $argv[3];
    $jp_path = $argv[4];
    $jp_title = $argv[5];
    $_SERVER['HTTP_HOST'] = $jp_domain;
    $_SERVER['SERVER_NAME'] = $jp_domain;
    $_SERVER['REQUEST_URI'] = '/';
    $_SERVER['REMOTE_ADDR'] = '127.0.0.1'; // recorded with the new site
    require "$jp_root/wp-load.php";
    if (!is_multisite()) {
        fail('subsite: wp-config.php does not make this a multisite');
    }
    $jp_id = wpmu_create_blog($jp_domain, $jp_path, $jp_title, 1);
    if (is_wp_error($jp_id)) {
        fail('wpmu_create_blog: ' . $jp_id->get_error_message());
    }
    echo "  subsite $jp_id: siteurl ", get_blog_option($jp_id, 'siteurl'), ", home ", get_blog_option($jp_id, 'home'), "\n";
} else {
    fail("unknown step '$jp_step'");
}
