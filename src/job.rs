//! Typed jobs: what the user asked for, validated once by the command
//! modules and handed to the executor. Nothing here knows about flags or
//! clap; nothing here does any work.

use crate::api::Base;
use crate::error::Result;
use crate::output::format::{Column, Listing};
use crate::site::{Need, OnCopy, Site, SiteSpec};
use crate::work::Work;
use crate::wp::WpSettings;
use serde_json::{Map, Value};
use std::hash::{Hash, Hasher};
use std::time::Duration;

/// A whole run.
pub struct Invocation {
    pub settings: Settings,
    pub run: Run,
}

impl Invocation {
    /// Does the run only read? Its output may then stop quietly when the
    /// reader goes away (`| head -1`), as ripgrep does (SPEC §9a).
    pub fn read_only(&self) -> bool {
        self.settings.dry_run
            || match &self.run {
                Run::Site { meta, .. } => meta.read_only,
                Run::Plain { work, .. } => {
                    work.requests().all(|r| r.method == crate::api::Method::Get)
                }
                Run::Token { .. } => false,
                Run::Task { .. } => true,
            }
    }
}

/// How every command behaves.
pub struct Settings {
    pub base: Base,
    /// Each API request's time limit (connecting: at most 10 s of it).
    pub timeout: Duration,
    pub dry_run: bool,
    pub verbose: bool,
    /// `--quiet`.
    pub quiet: bool,
    /// Tokens given for the APIs beyond the partner API (licensing,
    /// reports); the partner token comes by [`Auth`].
    pub tokens: crate::tokens::Tokens,
}

/// The partner's OAuth client credentials (the secret already read).
#[derive(Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
}

/// How requests get the partner token.
#[derive(Clone)]
pub enum Auth {
    /// Ask for it (`POST /oauth2/token`) with these credentials, once.
    Client(Credentials),
    /// Given (`--access-token-file`, `JETPACK_PARTNER_ACCESS_TOKEN`): no
    /// token call.
    Token(String),
}

/// What a run does: every command is one of these.
// Built once per run; boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum Run {
    /// Work on one site or many (`meta`: the command's); `auth` None: the
    /// partner token is not needed (a licensing token was given, or only
    /// WordPress is asked).
    Site {
        auth: Option<Auth>,
        meta: &'static Meta,
        target: Target,
    },
    /// Requests that name no site (`errors`, `api`, `partner-key new`, ...);
    /// `auth` None: they take no token.
    Plain { auth: Option<Auth>, work: Work },
    /// `token`: the token answer itself.
    Token { creds: Credentials },
    /// A command that runs itself (`sites`, `audit`): it only reads, and
    /// prints as it goes. `auth` None: it takes no token.
    Task {
        auth: Option<Auth>,
        task: Box<dyn Task>,
    },
}

/// A read-only command with a run of its own: what it does with the one
/// executor (for its API reads, if any). True when something failed (the
/// output said what).
pub trait Task: Send + Sync {
    fn run(&self, exec: &crate::exec::Executor) -> Result<bool>;
}

#[allow(clippy::large_enum_variant)]
pub enum Target {
    One(SiteJob),
    /// One site, its result printed as a one-row list (`--format=table`,
    /// `csv`, `count` or `--fields` without a batch): the row a batch
    /// would print for it.
    OneListed {
        job: SiteJob,
        meta: &'static Meta,
        listing: Listing,
    },
    Many(Batch),
}

/// One site's work: which site, and what to do there.
#[derive(Debug)]
pub struct SiteJob {
    pub site: SiteSpec,
    pub action: Box<dyn SiteAction>,
}

/// What a site command does on one site. Each command implements it for
/// its own typed plan; the executor finds the site ([`need`]), then sends
/// the [`steps`].
///
/// [`need`]: SiteAction::need
/// [`steps`]: SiteAction::steps
pub trait SiteAction: std::fmt::Debug + Send + Sync + DynHash {
    /// What it needs to know about its site. A dry run activates nothing.
    fn need(&self, dry_run: bool) -> Need<'_>;
    /// The steps on the site found.
    fn steps(&self, site: &Site) -> Work;
    /// What to do with a site WordPress says is a copy of another (Jetpack
    /// safe mode): by default nothing is sent for it, since anything sent
    /// by its blog id would act on the original.
    fn on_copy(&self) -> OnCopy {
        OnCopy::Refuse
    }
    /// Whether the token may be fetched while WordPress boots (the wall
    /// time is then the longer of the two, not their sum).
    fn token_while_wordpress_boots(&self) -> bool {
        true
    }
    /// The plan or product it is about, if any: resumes key lines by it (a
    /// site may get a plan and a product).
    fn slug(&self) -> Option<&str> {
        None
    }
}

/// `Hash` for a boxed [`SiteAction`]: two input lines asking for the same
/// work are the same line (every action derives `Hash`).
pub trait DynHash {
    fn dyn_hash(&self, state: &mut dyn Hasher);
}

impl<T: Hash + 'static> DynHash for T {
    fn dyn_hash(&self, mut state: &mut dyn Hasher) {
        std::any::TypeId::of::<T>().hash(&mut state);
        self.hash(&mut state);
    }
}

/// What a command that takes input lines is, for the batch that runs them.
#[derive(Debug)]
pub struct Meta {
    pub name: &'static str,
    /// The flag its lines come from.
    pub input: &'static str,
    /// `--format=table|csv` columns: heading and JSON pointer.
    pub columns: &'static [Column],
    /// The keys its result lines may carry besides [`LINE_KEYS`] (what
    /// `--fields` may name besides the columns).
    pub keys: &'static [&'static str],
    /// It reads each site's status even in a dry run (so the token is
    /// needed then too).
    pub reads_in_dry_run: bool,
    /// One desired state per site: a second, different line for a site
    /// would undo the first, so it fails.
    pub one_state_per_site: bool,
    /// Its input file is locked for the whole run, like `--skip-done`
    /// (`apply --desired`: a desired state applied twice at once).
    pub locks_input: bool,
    /// It only reads (`status`, `upgrade-paths`): a reader that goes away
    /// ends it quietly.
    pub read_only: bool,
    /// It sends requests by the site's blog id: a run finds every site
    /// first, and refuses two that carry the same blog id (one is a copy of
    /// the other) before sending anything by it.
    pub by_blog_id: bool,
}

/// The columns of `--format=table|csv` most commands show. `line` (the
/// input line) first: CSV rows come as sites finish.
pub const COLUMNS: &[Column] = &[
    ("line", "/line"),
    ("command", "/command"),
    ("site", "/site"),
    ("plan", "/plan"),
    ("success", "/success"),
    ("changed", "/changed"),
    ("error_code", "/error_code"),
    ("error_message", "/error_message"),
];

/// The keys every result line may carry (the run record of SPEC §10,
/// ours, the answer or the error, a dry run's requests).
pub const LINE_KEYS: &[&str] = &[
    "line",
    "run",
    "ts",
    "duration_ms",
    "command",
    "site",
    "plan",
    "success",
    "changed",
    "answer",
    "error_code",
    "error_message",
    "maybe_sent",
    "dry_run",
    "requests",
];

impl Meta {
    /// A site command's defaults: lines from `--batch`.
    pub const SITE: Meta = Meta {
        name: "",
        input: "--batch",
        columns: COLUMNS,
        keys: &[],
        reads_in_dry_run: false,
        one_state_per_site: false,
        locks_input: false,
        read_only: false,
        by_blog_id: true,
    };
}

/// How a fleet run reports its end (SPEC §10).
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// `--summary=json`: the summary as one JSON object.
    pub json: bool,
    /// `--metrics-file`: the figures in Prometheus text format.
    pub metrics: Option<std::path::PathBuf>,
}

/// How a fleet run copes with others.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `--wait-lock`: how long to wait for another run holding our files.
    pub wait_lock: Option<Duration>,
    /// `--max-wait`: how long one request may wait out rate limits.
    pub max_wait: Duration,
    /// `--max-consecutive-failures` (0: never stop).
    pub max_consecutive_failures: usize,
}

/// Turns one input line (flag names as keys) into that site's job, with
/// the command line's flags as defaults. Built by the flag layer, so a line
/// is validated exactly as flags are.
pub type LineParser = Box<dyn Fn(usize, &Map<String, Value>) -> Result<SiteJob> + Send + Sync>;

/// Many sites, one token, `jobs` at a time.
pub struct Batch {
    pub meta: &'static Meta,
    pub source: Source,
    pub jobs: usize,
    /// `--skip-done`: a previous run's output.
    pub skip_done: Option<String>,
    pub limits: Limits,
    pub report: Report,
    pub format: Listing,
    pub line: LineParser,
}

pub enum Source {
    /// `--batch=FILE`.
    File(String),
    /// `--batch=-`.
    Stdin,
    /// `--all-sites`: every site of the network WordPress is in, its facts
    /// gathered in one bootstrap (checking `user`; activating Jetpack when
    /// `activate`; safe mode when `safe_mode`).
    AllSites {
        wp: WpSettings,
        user: Option<String>,
        activate: bool,
        /// Run Jetpack's safe-mode check on every site.
        safe_mode: bool,
    },
}
