<?php
/*
 * A stand-in for `wp [--url=URL] --path=ROOT --skip-plugins --skip-themes
 * eval "$JETPACK_FACTS_PHP"`, for tests/integration/php_facts.rs (WP-CLI is
 * not packaged in Debian, so the tier cannot install it).
 *
 *   JETPACK_FACTS_PHP='<php>' [JETPACK_WP_USER=...] [JETPACK_WP_ACTIVATE=1] \
 *     [JETPACK_WP_SAFE_MODE=1] \
 *     php runner.php <wordpress root> [url]
 *
 * The code comes from the environment, so the test can pass the crate's own
 * `jetpack_partner::wp::FACTS_PHP`: what runs here is the constant itself,
 * never a copy. Set JETPACK_RUNNER_BARE=1 to leave out
 * wp-admin/includes/admin.php (see step 6).
 *
 * It also takes WP-CLI's own argv for eval, so the crate can drive it as its
 * `wp` (`--wp-cli-path='php tests/php/runner.php'`):
 *
 *   php runner.php [--allow-root] --path=<root> [--url=<url>] \
 *     --skip-themes --skip-plugins eval '<php>'
 *
 * Any other command fails the way a disabled or unknown WP-CLI command does
 * ("Error: ..." on stderr, exit 1).
 *
 * What is reproduced of WP-CLI's bootstrap (Runner::load_wordpress and
 * friends), in its order:
 *   1. ABSPATH = the root, $_SERVER['DOCUMENT_ROOT'] = the root.
 *   2. --url: HTTP_HOST, SERVER_NAME, REQUEST_URI, SERVER_PORT,
 *      QUERY_STRING (and HTTPS for https://) from the URL, `http://` assumed.
 *   3. wp-config.php (in the root, or one folder up) run in the global scope
 *      without its `require ... wp-settings.php` line; with no URL given and
 *      DOMAIN_CURRENT_SITE defined (multisite), the URL becomes
 *      DOMAIN_CURRENT_SITE . PATH_CURRENT_SITE.
 *   4. Hooks set before WordPress loads: --skip-plugins empties
 *      active_plugins / active_sitewide_plugins only until plugins_loaded
 *      (WP-CLI removes its filters there, so code run by eval sees, and
 *      writes, the real lists); --skip-themes empties template/stylesheet
 *      from setup_theme to after_setup_theme; an unknown multisite site,
 *      wp_die() and a dead database end with "Error: ..." on stderr and
 *      exit 1; maintenance mode and advanced-cache.php are ignored;
 *      PHP's messages go to stderr.
 *   5. wp-settings.php.
 *   6. wp-admin/includes/admin.php (WP-CLI loads it "for convenience", so
 *      activate_plugin() exists under `wp eval`; JETPACK_RUNNER_BARE=1 skips
 *      it to exercise the code's own require of plugin.php).
 *   7. eval() of the code inside a function, as Eval_Command does (its
 *      variables are locals, not globals).
 * Not reproduced: wp-cli.yml and its `require`/`disabled_commands`, --user
 * (the tool never passes it to eval), WP-CLI's own classes (WP_CLI is not
 * defined, so plugins' `if (defined('WP_CLI'))` branches do not run — with
 * --skip-plugins no plugin code runs anyway), the root check (php runs as
 * whoever calls it), and WP-CLI's exit codes beyond 0/1/255.
 */

function jp_usage()
{
    fwrite(STDERR, "usage: JETPACK_FACTS_PHP='<php>' php runner.php <wordpress root> [url]\n"
        . "   or: php runner.php [--allow-root] [--path=<root>] [--url=<url>] [--skip-themes] [--skip-plugins] eval '<php>'\n");
    exit(2);
}

$jp_url = null;
if ($argc > 1 && substr($argv[1], 0, 2) === '--') {
    // WP-CLI's argv, as jetpack-partner builds it (--wp-cli-path='php
    // runner.php'). Only `eval` exists here; the skip flags are always on.
    $jp_root = null;
    $jp_rest = array_slice($argv, 1);
    while ($jp_rest && substr($jp_rest[0], 0, 2) === '--') {
        $jp_opt = array_shift($jp_rest);
        if (substr($jp_opt, 0, 7) === '--path=') {
            $jp_root = substr($jp_opt, 7);
        } elseif (substr($jp_opt, 0, 6) === '--url=') {
            $jp_url = substr($jp_opt, 6);
        } elseif (!in_array($jp_opt, array('--allow-root', '--skip-themes', '--skip-plugins'), true)) {
            fwrite(STDERR, "Error: unknown global parameter '$jp_opt' (runner.php knows only what jetpack-partner passes)\n");
            exit(1);
        }
    }
    if (count($jp_rest) !== 2 || $jp_rest[0] !== 'eval') {
        $jp_cmd = $jp_rest ? $jp_rest[0] : '';
        fwrite(STDERR, "Error: '$jp_cmd' is not a registered wp command (runner.php only has eval).\n");
        exit(1);
    }
    $jp_code = $jp_rest[1];
    if ($jp_root === null) {
        $jp_root = getcwd();
    }
} else {
    if ($argc < 2 || $argc > 3) {
        jp_usage();
    }
    $jp_root = $argv[1];
    if (isset($argv[2]) && $argv[2] !== '') {
        $jp_url = $argv[2];
    }
    $jp_code = getenv('JETPACK_FACTS_PHP');
    if (!is_string($jp_code) || $jp_code === '') {
        fwrite(STDERR, "runner.php: JETPACK_FACTS_PHP (the code to evaluate) is not set\n");
        exit(2);
    }
}
$jp_root = realpath($jp_root);
if ($jp_root === false || !is_file("$jp_root/wp-load.php")) {
    fwrite(STDERR, "Error: This does not seem to be a WordPress installation.\n");
    exit(1);
}

function jp_error($msg)
{
    fwrite(STDERR, 'Error: ' . trim(strip_tags((string) $msg)) . "\n");
    exit(1);
}

// WP-CLI::set_url(): the request WordPress thinks it is serving.
function jp_set_url($url)
{
    if (!preg_match('#^[a-z][a-z0-9+.-]*://#i', $url)) {
        $url = 'http://' . $url;
    }
    $p = parse_url($url);
    if (isset($p['host'])) {
        if (isset($p['scheme']) && strtolower($p['scheme']) === 'https') {
            $_SERVER['HTTPS'] = 'on';
        }
        $_SERVER['HTTP_HOST'] = $p['host'] . (isset($p['port']) ? ':' . $p['port'] : '');
        $_SERVER['SERVER_NAME'] = $p['host'];
    }
    $_SERVER['REQUEST_URI'] = (isset($p['path']) ? $p['path'] : '') . (isset($p['query']) ? '?' . $p['query'] : '');
    $_SERVER['SERVER_PORT'] = isset($p['port']) ? $p['port'] : 80;
    $_SERVER['QUERY_STRING'] = isset($p['query']) ? $p['query'] : '';
}

// WP_CLI::add_wp_hook(): a hook registered before plugin.php is loaded is
// picked up by WP_Hook::build_preinitialized_hooks(); the key is what
// _wp_filter_build_unique_id() would make, so remove_filter() works later.
function jp_add_hook($tag, $fn, $priority = 10, $args = 1)
{
    if (function_exists('add_filter')) {
        add_filter($tag, $fn, $priority, $args);
        return;
    }
    $key = is_string($fn) ? $fn : spl_object_hash($fn);
    $GLOBALS['wp_filter'][$tag][$priority][$key] = array('function' => $fn, 'accepted_args' => $args);
}

// 1.
define('ABSPATH', rtrim($jp_root, '/') . '/');
$_SERVER['DOCUMENT_ROOT'] = $jp_root;
ini_set('display_errors', 'stderr');

// 2.
if ($jp_url !== null) {
    jp_set_url($jp_url);
}

// 3.
if (is_file(ABSPATH . 'wp-config.php')) {
    $jp_config = ABSPATH . 'wp-config.php';
} elseif (is_file(ABSPATH . '../wp-config.php') && !is_file(ABSPATH . '../wp-settings.php')) {
    $jp_config = realpath(ABSPATH . '../wp-config.php');
} else {
    jp_error("'wp-config.php' not found.");
}
$jp_lines = explode("\n", file_get_contents($jp_config));
$jp_found = false;
foreach ($jp_lines as $jp_i => $jp_line) {
    if (preg_match('/^\s*require.+wp-settings\.php/', $jp_line)) {
        $jp_lines[$jp_i] = '';
        $jp_found = true;
    }
}
if (!$jp_found) {
    jp_error('Strange wp-config.php file: wp-settings.php is not loaded directly.');
}
$jp_source = implode("\n", $jp_lines);
$jp_source = str_replace(
    array('__FILE__', '__DIR__'),
    array(var_export($jp_config, true), var_export(dirname($jp_config), true)),
    $jp_source
);
$jp_source = preg_replace('/^\s*<\?php\s*/', '', $jp_source);
eval($jp_source);
if ($jp_url === null && defined('DOMAIN_CURRENT_SITE')) {
    jp_set_url(DOMAIN_CURRENT_SITE . (defined('PATH_CURRENT_SITE') ? PATH_CURRENT_SITE : ''));
}

// 4. --skip-plugins
$jp_plugin_hooks = array(
    'pre_site_option_active_sitewide_plugins',
    'site_option_active_sitewide_plugins',
    'pre_option_active_plugins',
    'option_active_plugins',
);
$jp_skip_plugins = function ($plugins) {
    return array();
};
foreach ($jp_plugin_hooks as $jp_hook) {
    jp_add_hook($jp_hook, $jp_skip_plugins, 999);
}
jp_add_hook('plugins_loaded', function () use ($jp_plugin_hooks, $jp_skip_plugins) {
    foreach ($jp_plugin_hooks as $hook) {
        remove_filter($hook, $jp_skip_plugins, 999);
    }
}, 0);
// --skip-themes
jp_add_hook('setup_theme', function () {
    $hooks = array('pre_option_template', 'option_template', 'pre_option_stylesheet', 'option_stylesheet');
    $skip = function ($value) {
        return '';
    };
    foreach ($hooks as $hook) {
        add_filter($hook, $skip, 999);
    }
    add_action('after_setup_theme', function () use ($hooks, $skip) {
        foreach ($hooks as $hook) {
            remove_filter($hook, $skip, 999);
        }
    }, 0);
}, 999);
// The rest of setup_bootstrap_hooks() that matters for a test.
jp_add_hook('wp_die_handler', function () {
    return function ($message) {
        if (is_wp_error($message)) {
            $message = $message->get_error_message();
        }
        jp_error($message);
    };
});
jp_add_hook('ms_site_not_found', function ($network, $domain, $path) {
    jp_error("Site '$domain$path' not found. Verify that --url matches an existing site.");
}, 10, 3);
jp_add_hook('ms_site_check', '__return_true');
jp_add_hook('enable_maintenance_mode', '__return_false');
jp_add_hook('enable_loading_advanced_cache_dropin', '__return_false');

// 5.
define('WP_USE_THEMES', false);
require ABSPATH . 'wp-settings.php';
@ini_set('memory_limit', '-1');
ini_set('display_errors', 'stderr');

// 6.
if (getenv('JETPACK_RUNNER_BARE') !== '1') {
    require_once ABSPATH . 'wp-admin/includes/admin.php';
}

// 7.
function jp_eval_command($code)
{
    eval($code);
}
jp_eval_command($jp_code);
