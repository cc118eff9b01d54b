<?php
/*
 * Builds the sites of the PHP test tier with WordPress's own API (called by
 * tests/php/setup.sh, once per step; each step is a fresh PHP process because
 * wp-config.php changes between the multisite steps).
 *
 *   php install.php single  <root> <siteurl> <home> [jetpack blog id]
 *   php install.php network <root> <domain> [subdirectory|subdomain]
 *   php install.php subsite <root> <domain> <path> <title>
 *   php install.php populate <root> net|sub
 *
 * `populate` builds a whole network's content in one process (users,
 * subsites, flags, options): the layouts are below (jp_populate_net,
 * jp_populate_sub) and tests/integration/php_facts.rs states the same
 * layout, independently, as what it expects.
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
    fail('usage: php install.php single|network|subsite|populate <wordpress root> ...');
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
    $jp_subdomain = isset($argv[4]) && $argv[4] === 'subdomain';
    install_network();
    $jp_r = populate_network(1, $jp_domain, get_option('admin_email'), 'Jetpack Partner Multi', '/', $jp_subdomain);
    // A subdomain network is checked for wildcard DNS at the very end (an
    // HTTP request, blocked here): only a warning, the network is complete.
    if (is_wp_error($jp_r) && $jp_r->get_error_code() !== 'no_wildcard_dns') {
        fail('populate_network: ' . $jp_r->get_error_message());
    }
    echo "  network created: $jp_domain/ (", $jp_subdomain ? 'subdomains' : 'subdirectories', ")\n";
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
} elseif ($jp_step === 'populate') {
    $jp_layout = isset($argv[3]) ? $argv[3] : '';
    if (!function_exists("jp_populate_$jp_layout")) {
        fail("populate: unknown layout '$jp_layout' (net or sub)");
    }
    $jp_domain = $jp_layout . '.test';
    $_SERVER['HTTP_HOST'] = $jp_domain;
    $_SERVER['SERVER_NAME'] = $jp_domain;
    $_SERVER['REQUEST_URI'] = '/';
    $_SERVER['REMOTE_ADDR'] = '127.0.0.1';
    require "$jp_root/wp-load.php";
    if (!is_multisite()) {
        fail('populate: wp-config.php does not make this a multisite');
    }
    call_user_func("jp_populate_$jp_layout");
} else {
    fail("unknown step '$jp_step'");
}

// wpmu_create_blog, failing loudly; returns the new blog id.
function jp_new_blog($domain, $path, $owner, $data = array())
{
    $id = wpmu_create_blog($domain, $path, "Site $domain$path", $owner, $data);
    if (is_wp_error($id)) {
        fail("wpmu_create_blog $domain$path: " . $id->get_error_message());
    }
    return (int) $id;
}

function jp_new_user($login, $email, $main_role)
{
    // wpmu_create_user: a network user with no role on any site; then the
    // main site's role if one is given.
    $id = wpmu_create_user($login, "$login-password-for-tests", $email);
    if (!$id) {
        fail("wpmu_create_user $login failed");
    }
    if ($main_role !== '') {
        add_user_to_blog(1, $id, $main_role);
    }
    return (int) $id;
}

function jp_check($what, $got, $want)
{
    if ($got !== $want) {
        fail("$what: got " . var_export($got, true) . ', expected ' . var_export($want, true));
    }
}

/*
 * net: subdirectory network http://net.test, the stub jetpack plugin
 * installed, active nowhere (a program activates it per site).
 *   users: admin (1, super admin, member of the main site only),
 *          editor2 (2, <ed@site.test>, main site + the subsites below),
 *          owner3 (3, <owner@net.test>, administrator of every subsite,
 *          not of the main site), loner (4, <loner@net.test>, no site)
 *   subsites /s001/ .. /s110/ = blog ids 2 .. 111 (more than get_sites'
 *   default page of 100), owner3 their creator;
 *   archived s007 s030, deleted s011 s041, spam s019 s052 (editor2 is a
 *   member of s007 and s011 too); s023 mature and not public (listed);
 *   editor2 (author) on every fourth: s004, s008, ... s108;
 *   jetpack_options id: main 7000001, every sixth subsite 900000 + n;
 *   jetpack_options without an id on s009, a string on s013;
 *   s003: home https://net.test/s003 (siteurl stays http);
 *   active_plugins: s016 jetpack (already active), s017 akismet.
 */
function jp_populate_net()
{
    $n_sites = 110;
    jp_check('editor2 id', (int) get_user_by('login', 'editor2')->ID, 2);
    jp_check('owner3 id', jp_new_user('owner3', 'owner@net.test', ''), 3);
    jp_check('loner id', jp_new_user('loner', 'loner@net.test', ''), 4);
    update_option('jetpack_options', array('id' => 7000001));
    $flags = array(7 => 'archived', 30 => 'archived', 11 => 'deleted', 41 => 'deleted', 19 => 'spam', 52 => 'spam');
    for ($n = 1; $n <= $n_sites; $n++) {
        $path = sprintf('/s%03d/', $n);
        $data = array('public' => 1);
        if ($n === 23) {
            $data = array('public' => 0, 'mature' => 1);
        }
        $id = jp_new_blog('net.test', $path, 3, $data);
        jp_check("blog id of $path", $id, $n + 1);
        if ($n % 4 === 0 || $n === 7 || $n === 11) {
            add_user_to_blog($id, 2, 'author');
        }
        if ($n % 6 === 0) {
            update_blog_option($id, 'jetpack_options', array('id' => 900000 + $n));
        } elseif ($n === 9) {
            update_blog_option($id, 'jetpack_options', array('version' => '12.0:1700000000'));
        } elseif ($n === 13) {
            update_blog_option($id, 'jetpack_options', 'not an array');
        }
        if ($n === 3) {
            update_blog_option($id, 'home', 'https://net.test/s003');
        } elseif ($n === 16) {
            update_blog_option($id, 'active_plugins', array('jetpack/jetpack.php'));
        } elseif ($n === 17) {
            update_blog_option($id, 'active_plugins', array('akismet/akismet.php'));
        }
        if (isset($flags[$n])) {
            update_blog_status($id, $flags[$n], 1);
        }
    }
    $listed = count(get_sites(array('number' => 0, 'archived' => 0, 'deleted' => 0, 'spam' => 0, 'fields' => 'ids')));
    jp_check('sites listed', $listed, 1 + $n_sites - count($flags));
    echo "  net: $n_sites subsites (", count($flags), " archived, deleted or spam), users 1-4\n";
}

/*
 * sub: subdomain network http://sub.test, jetpack network-active
 * (active_sitewide_plugins), no site has it in active_plugins.
 *   users: admin (1, super admin, creator of every subsite), editor2 (2,
 *          main site and b.sub.test)
 *   subsites a.sub.test (2), b.sub.test (3, jetpack_options id 777),
 *   c.sub.test (4, archived)
 */
function jp_populate_sub()
{
    foreach (array('a', 'b', 'c') as $i => $name) {
        $id = jp_new_blog("$name.sub.test", '/', 1, array('public' => 1));
        jp_check("blog id of $name.sub.test", $id, $i + 2);
    }
    add_user_to_blog(3, 2, 'editor');
    update_blog_option(3, 'jetpack_options', array('id' => 777));
    update_blog_status(4, 'archived', 1);
    update_site_option('active_sitewide_plugins', array('jetpack/jetpack.php' => 1700000000));
    echo "  sub: 3 subsites (c archived), jetpack network-active\n";
}
