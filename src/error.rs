//! The one error type. Every failure a user can see is a variant here, with
//! typed fields, a stable `error_code`, and its wording in the one `Display`
//! below. `output` turns any of them into exit 1 plus one JSON object on
//! stderr; nothing else formats an error message.

use serde_json::{Map, Value};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

mod credentials;
mod license;
pub use credentials::ConfigProblem;

/// What a flag value was supposed to be (for [`Error::BadValue`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Expected {
    /// Seconds, fractions allowed, `0 < s <= 86400`.
    Seconds,
    /// A WordPress.com blog id.
    BlogId,
    /// A plan count for a partner key.
    PlanCount,
    /// Sites at a time in a batch.
    Jobs { max: usize },
    /// An HTTP method we send.
    Method,
    /// `KEY=VALUE`.
    KeyValue,
    /// json, table, csv or count.
    Format,
    /// A folder depth.
    Depth,
    /// A site's URL: a host at least.
    SiteUrl,
    /// A whole number, 0 or more.
    Count,
    /// text or json.
    Summary,
    /// json or html (`audit`).
    AuditFormat,
    /// A partner key's id.
    KeyId,
    /// How many licenses to issue at once.
    LicenseCount { max: u32 },
    /// `apply`'s `via`: how a line's products come.
    Via,
}

/// Why a value given as a license key is not one (for
/// [`Error::BadLicenseKey`]); the value itself is never repeated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyProblem {
    Empty,
    /// Longer than any license key (the limit).
    TooLong(usize),
    /// A space, control character or anything but letters, digits, `-`
    /// and `_`.
    Characters,
}

/// Why the pages of a list cannot be read to their end (for
/// [`Error::BadPage`]).
#[derive(Debug, Clone, PartialEq)]
pub enum PageProblem {
    /// The page has no list under this member.
    NoItems(&'static str),
    /// The page holds the same items as this earlier page: the paging
    /// does not move on.
    Repeats(u64),
    /// More pages than any list has (the limit).
    TooMany(u64),
    /// Paging took longer than this.
    TooLong(Duration),
}

/// Why a file named by a flag cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub enum FileProblem {
    /// The OS would not open or read it (its words).
    Unreadable(String),
    /// It cannot be written where it should go (the OS's words).
    Unwritable(String),
    /// A folder where a file is due.
    Folder,
    /// Text that is not UTF-8.
    NotUtf8,
    /// `api --input`: not JSON (the parser's words).
    NotJson(String),
    /// Reading stopped part way: after this line, for this reason; the
    /// lines before it were done.
    StoppedAfter {
        line: usize,
        cause: String,
    },
    Empty,
    /// Larger than a file of this kind can be (the limit in bytes).
    TooLarge(u64),
    /// `-` while stdin is a terminal: nobody is going to type a secret.
    Terminal,
}

/// A value a command needs and was not given (for [`Error::Missing`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Needed {
    /// provision's `--user` (a batch line without `user`).
    User,
    /// `apply`: a user to provision for.
    UserToProvision,
    /// `--if-needed` without `--plan`.
    PlanForIfNeeded,
    /// backup-credentials with neither kind of credentials.
    BackupCredentials,
    SshHost,
    SshUser,
    FtpHost,
    FtpUser,
    /// `apply`: a line without `products`.
    Products,
    /// `apply`: `products` holding something that is no slug.
    ProductSlugs,
    /// The licensing commands' KEY.
    LicenseKey,
    /// `provision --license` without `--plan`.
    PlanForLicense,
}

/// Why there is no WordPress.com blog id to send a request by.
#[derive(Debug)]
pub enum NoBlogIdWhy {
    /// Jetpack on the site has none yet (it is not connected).
    NotConnected,
    /// No WP-CLI to ask WordPress.
    NoWp,
    /// WordPress could not be asked.
    Unasked(Box<Error>),
}

/// A fact WordPress answered with nothing usable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fact {
    /// An empty siteurl (provision).
    Siteurl,
    /// Neither a Jetpack blog id nor a home URL (the site's name in paths).
    IdOrHome,
}

/// Why an `api` PATH is refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PathProblem {
    NotRelative,
    OtherHost,
    BadCharacters,
    LeavesTheHost,
    /// A `.` or `..` segment, in any spelling (`%2e`, `.%2E`, `..;`): the
    /// server would resolve it and leave the API's base path.
    DotSegment,
}

/// Why `JETPACK_START_API_HOST` is refused (nothing is sent with it).
#[derive(Debug, Clone, PartialEq)]
pub enum HostProblem {
    /// Not a host or URL the `url` crate can read (its words).
    NotAUrl(String),
    /// Spaces or control characters inside it.
    BadCharacters,
    /// A scheme other than https or http.
    Scheme(String),
    /// `user:pw@`: it would be printed in messages (and is no credential
    /// the partner API takes).
    UserInfo,
    /// `?…`: every request's path would land in the query.
    Query,
    /// `#…`: every request's path would be cut off.
    Fragment,
    /// Plain HTTP to a host that is not this machine, without
    /// JETPACK_PARTNER_INSECURE_HTTP=1.
    PlainHttp { host: String },
}

/// How `wp` went missing.
#[derive(Debug, Clone, PartialEq)]
pub enum WpMissing {
    /// No `wp` on PATH (and no `--wp-cli-path`).
    NotOnPath,
    /// `--wp-cli-path` names a bare command that is not on PATH.
    CommandNotOnPath(String),
    /// `--wp-cli-path` names a file that does not exist.
    NoSuchFile(String),
    /// Found, then the OS could not find it to run it.
    Vanished(String),
    /// No `wp` on PATH, and `--all-sites` needs it to list the network.
    NeededForNetwork,
    /// No `wp` on PATH, and the command works through it alone (`license
    /// set`: no URL can stand in).
    NeededForOptions,
    /// No `wp` on PATH, and `provision --license` sets the license through
    /// it (nothing is issued without it).
    NeededForLicense,
}

/// Why a network request failed, before or after it was sent.
#[derive(Debug, Clone, PartialEq)]
pub enum NetCause {
    /// The host name did not resolve (with the resolver's words, if any).
    Dns(Option<String>),
    /// The connection could not be made or broke (refused, reset, ...).
    Talk(String),
    /// The TLS handshake or the certificate check failed.
    Tls(String),
    /// The proxy refused the CONNECT.
    ProxyRefused(String),
    /// ureq found the proxy URL unusable.
    ProxyUrl,
    /// Anything else ureq reports.
    Other(String),
    /// The thread fetching the token stopped without an answer.
    Stopped,
}

/// Variants are named for what happened; several share a code
/// (`error_code` maps them), and each code's wording is in `Display`.
#[derive(Debug)]
pub enum Error {
    // ---- invalid_input: a flag value or an input line cannot be used ----
    /// `{flag}={value}` is not what the flag takes.
    BadValue {
        flag: String,
        value: String,
        expected: Expected,
    },
    /// A file named by a flag (secret, key, batch, skip-done) cannot be used.
    BadFile {
        flag: String,
        path: PathBuf,
        problem: FileProblem,
    },
    /// `--ssh-user` without a password or key.
    SshUserAlone,
    /// A value the command needs is not there (a batch line without `user`).
    Missing(Needed),
    /// `--wp-cli-path` cannot be split into words, or is empty.
    BadWpCliPath {
        value: String,
        cause: Option<String>,
    },
    /// backup-credentials without a blog id (it takes no site suffix).
    NoBlogId(NoBlogIdWhy),
    /// JETPACK_START_API_HOST cannot be used.
    BadApiHost(HostProblem),
    /// `api PATH` that is not a path on the API host.
    BadApiPath {
        path: String,
        why: PathProblem,
    },
    /// `--fields` names a field the list does not have; `valid`: the ones
    /// it has.
    UnknownFields {
        given: String,
        unknown: Vec<String>,
        valid: Vec<&'static str>,
    },
    /// `errors CODE`: the catalogue has no such code.
    UnknownErrorCode {
        code: String,
        known: usize,
    },
    /// A request that changes something was answered and so carried out,
    /// and then the run failed (an empty or unreadable 2xx answer, the
    /// authorize step after a provision): it reads as that failure, and a
    /// resume must not send the request again. `answer`: what the API
    /// answered, where it could be read (a provision's, with its token).
    Sent {
        failed: Box<Error>,
        answer: Option<Value>,
    },
    /// Of two calls (backup-credentials: ssh and ftp) at least one failed;
    /// `results` holds each call's answer or error object.
    Partial {
        which: &'static str,
        failed: Box<Error>,
        results: Map<String, Value>,
    },
    /// A partner token given to us (file or environment) that no header can
    /// carry; where it came from, never its value.
    BadToken {
        source: String,
    },
    /// A token given as JSON (what `token` prints) with no usable
    /// `access_token`: where it came from, and the parser's words when it
    /// is not JSON at all.
    TokenJson {
        source: String,
        cause: Option<String>,
    },
    /// Two flags (or a flag and a variable) ask for stdin (`-`) in one run.
    StdinTwice {
        first: String,
        second: String,
    },
    /// The config file cannot be used: the file (`--config=PATH`, or
    /// `config file PATH`), the line (0: the file as a whole), why.
    BadConfig {
        file: String,
        line: usize,
        problem: ConfigProblem,
    },
    /// A secret, token, password, key or config file that others than its
    /// owner may read or change (`insecure_file`): refused, as ssh refuses
    /// a loose key. `subject`: the flag and path (`--partner_secret_file=/x`).
    InsecureFile {
        subject: String,
        path: PathBuf,
        mode: u32,
    },
    /// A `--user` WP-CLI would read as an option.
    OptionLikeUser {
        user: String,
    },
    /// The `n`th license key given (1 first) is not one.
    BadLicenseKey {
        n: usize,
        problem: KeyProblem,
    },
    /// `license issue --product`: no product of that slug; `known`: the
    /// API's own (`from_api`), else the documented ones.
    UnknownProduct {
        slug: String,
        known: Vec<String>,
        from_api: bool,
    },
    /// A request takes a token nobody gave (the reports' token).
    NoToken {
        wanted: crate::api::Bearer,
    },
    /// One line of a `--batch` (or `--desired`) file cannot be used.
    BatchLine {
        flag: &'static str,
        line: usize,
        problem: LineProblem,
    },

    // ---- WordPress (wp) ----
    /// `wp` is needed and not found.
    WpNotFound(WpMissing),
    WpNotWordpress {
        what: String,
        place: String,
    },
    WpNeedsAllowRoot {
        what: String,
    },
    /// A `wp` call failed; `said` is WP-CLI's own words.
    WpFailed {
        what: String,
        exit: String,
        said: String,
    },
    /// `wp` answered but without the value asked for.
    WpNoValue {
        what: String,
        wanted: &'static str,
        printed: String,
    },
    /// `wp` could not be started (or waited for) at all.
    WpSpawn {
        program: String,
        cause: String,
        denied: bool,
    },
    /// WordPress answered with nothing usable for a fact we need.
    WpMissingFact(Fact),
    /// `--all-sites` on a site that lists no sites.
    WpNoSites,
    WpTimeout {
        what: String,
        limit: Duration,
    },
    /// WordPress answered and has no such user.
    InvalidUser {
        place: String,
        user: String,
    },
    /// `wp jetpack authorize_user` failed (`exit` None: it could not run).
    AuthorizationFailure {
        exit: Option<String>,
        said: String,
    },

    // ---- the WordPress.com API ----
    MissingAccessToken {
        what: String,
    },
    /// The token answer's access_token cannot travel in a header (control
    /// characters, spaces, non-ASCII).
    UnusableAccessToken {
        what: String,
    },
    /// An empty body ("Empty response from server", as the scripts said).
    EmptyAnswer,
    /// HTTP status not 2xx and no error in the body.
    HttpStatus {
        status: u16,
    },
    /// A 2xx body that is not JSON (`json` false), or JSON but not the
    /// object the endpoint answers with.
    NotJson {
        what: String,
        status: u16,
        preview: String,
        json: bool,
    },
    /// A 2xx body that is JSON serde_json cannot read into a value
    /// (nested past 128 levels, a number past f64, a lone surrogate), where
    /// the endpoint answers with an object we must read.
    UnreadableJson {
        what: String,
        status: u16,
        cause: String,
    },
    /// An answer past the size cap.
    TooLarge {
        what: String,
        limit: u64,
    },
    /// Connection, DNS, TLS or proxy failure.
    Network {
        what: String,
        host: String,
        cause: NetCause,
        via: String,
        /// The request may have reached the server (it is never re-sent).
        maybe_sent: bool,
        attempts: u32,
    },
    /// A request ran past its time limit (`limit` None: the OS said so;
    /// `connecting`: the connection, TLS included, was not made in time).
    Timeout {
        what: String,
        host: String,
        limit: Option<Duration>,
        connecting: bool,
        via: String,
        maybe_sent: bool,
        attempts: u32,
    },
    /// The proxy variable holds something that is not a URL.
    BadProxy {
        var: String,
    },
    /// WordPress says the site is a copy of another (Jetpack's safe mode):
    /// its blog id is the original's, so nothing was sent by it.
    SiteInSafeMode {
        blog_id: Option<u64>,
    },
    /// Another run holds the lock on this file (`--skip-done`,
    /// `--desired`); `holder`: its pid where the system says; `waited`:
    /// `--wait-lock`.
    Locked {
        flag: String,
        path: PathBuf,
        holder: Option<u32>,
        waited: Option<Duration>,
    },
    /// Two sites of one run carry the same Jetpack blog id (`with`: the
    /// other's name in the run); neither can know which is the original.
    DuplicateBlogId {
        blog_id: u64,
        with: String,
    },
    /// `license set`: the keys are in `jetpack_licenses`, and Jetpack could
    /// not attach (some of) them: `why` in words, `fields` for the error
    /// object (which keys, by position; WordPress.com's codes).
    NotAttached {
        why: String,
        fields: Map<String, Value>,
    },
    /// The API refused the token as the wrong kind (`invalid_scope`):
    /// `wanted` is the kind the endpoint takes, `source` where the token
    /// sent came from.
    WrongToken {
        wanted: crate::api::Bearer,
        source: String,
        failed: Box<Error>,
    },
    /// The pages of a list cannot be read to their end (the items before
    /// were printed).
    BadPage {
        what: String,
        page: u64,
        why: PageProblem,
    },
    /// `--check-upgrade`: the plan is not among the site's upgrade paths.
    PlanNotAvailable {
        plan: String,
        available: Vec<String>,
    },
    /// An error reported by the API itself; its code passes through unchanged
    /// and its original fields are kept in the JSON error object.
    Api {
        code: String,
        message: String,
        fields: Map<String, Value>,
    },
    /// A bug (the panic hook).
    Internal {
        what: String,
        at: String,
    },
    /// A signal ended the run; `sent` names the request that changes
    /// something and may already have been carried out, if there was one.
    Interrupted {
        signal: &'static str,
        sent: Option<String>,
    },
    /// An answer carried `X-Jetpack-Request-Id` (the Licensing API's):
    /// the failure names it, since support asks for it.
    RequestId {
        failed: Box<Error>,
        id: String,
    },
    /// `provision --license`: a license was issued (and is billed), then
    /// the work failed before the site had it. The error carries the key
    /// (`license_key`), so nothing billed is lost, and reads as carried out
    /// (`maybe_sent`): a resume never issues a second. `set`: whether the
    /// key is in the site's `jetpack_licenses` (None: not known, e.g. a
    /// signal came while it was being set).
    LicenseNotOnSite {
        failed: Box<Error>,
        key: String,
        set: Option<bool>,
    },
    /// `provision --license`: a key for this product is in the site's
    /// `jetpack_licenses` already (not attached, or refused): nothing is
    /// issued, so nothing more is billed.
    LicenseWaiting {
        product: String,
    },
    /// A license issue answered 2xx without a `license_key` we can use.
    NoLicenseKey {
        what: String,
    },
    /// `provision --license`: flags that only a partner provision (jpphp)
    /// sends.
    NotWithLicense {
        flags: Vec<String>,
    },
    /// `license issue --count`: `issued` of `count` licenses were issued
    /// (and printed) before this failure; `fields`: the failure's API
    /// fields, `issued`, and a license that could not be printed.
    Issued {
        issued: u32,
        count: u32,
        failed: Box<Error>,
        fields: Map<String, Value>,
    },
    /// The answer could not be written to stdout.
    OutputFailed {
        cause: String,
        /// The request was carried out (false: a dry run, nothing sent).
        carried_out: bool,
        /// Batch: results that could not be written.
        lost: usize,
    },
}

/// Why a batch line cannot be used.
#[derive(Debug)]
pub enum LineProblem {
    NotUtf8,
    /// Longer than a batch line can be (the limit in bytes).
    TooLong(usize),
    NotObject,
    FieldType {
        field: String,
    },
    UnknownField {
        field: String,
        command: &'static str,
    },
    NotAllowed {
        field: String,
    },
    /// A switch's field with a value that is neither on nor off.
    Switch {
        field: String,
    },
    /// clap refused the fields (its kind of error, no values).
    Unusable(String),
    Invalid(Box<Error>),
    /// `apply`: the site has a line already (its number), with other
    /// products.
    SiteTwice(usize),
}

impl Error {
    /// The stable machine-readable code callers match on.
    pub fn error_code(&self) -> &str {
        use Error::*;
        match self {
            BadValue { .. }
            | BadFile { .. }
            | SshUserAlone
            | Missing(_)
            | BadWpCliPath { .. }
            | OptionLikeUser { .. }
            | BadToken { .. }
            | TokenJson { .. }
            | StdinTwice { .. }
            | BadConfig { .. }
            | BadApiHost(_)
            | BadApiPath { .. }
            | UnknownFields { .. }
            | BadLicenseKey { .. }
            | UnknownProduct { .. }
            | NoToken { .. }
            | NotWithLicense { .. }
            | NoBlogId(_) => "invalid_input",
            InsecureFile { .. } => "insecure_file",
            UnknownErrorCode { .. } => "unknown_error_code",
            Partial { failed, .. }
            | Sent { failed, .. }
            | RequestId { failed, .. }
            | WrongToken { failed, .. }
            | LicenseNotOnSite { failed, .. }
            | Issued { failed, .. } => failed.error_code(),
            NotAttached { .. } => "license_error",
            LicenseWaiting { .. } => "license_already_set",
            BadPage { .. } => "invalid_response",
            BatchLine { problem, .. } => match problem {
                LineProblem::Invalid(e) => e.error_code(),
                _ => "invalid_input",
            },
            WpNotFound(_) => "wp_not_found",
            WpNotWordpress { .. } => "wp_not_wordpress",
            WpNeedsAllowRoot { .. } => "wp_needs_allow_root",
            WpFailed { .. } | WpNoValue { .. } | WpSpawn { .. } | WpMissingFact(_) | WpNoSites => {
                "wp_failed"
            }
            WpTimeout { .. } => "wp_timeout",
            InvalidUser { .. } => "invalid_user",
            AuthorizationFailure { .. } => "authorization_failure",
            MissingAccessToken { .. } => "missing_access_token",
            EmptyAnswer => "unknown_error",
            HttpStatus { .. } => "server_error",
            NotJson { .. }
            | UnreadableJson { .. }
            | TooLarge { .. }
            | NoLicenseKey { .. }
            | UnusableAccessToken { .. } => "invalid_response",
            Network { .. } | BadProxy { .. } => "network_error",
            Timeout { .. } => "timeout",
            PlanNotAvailable { .. } => "plan_not_available",
            SiteInSafeMode { .. } => "site_in_safe_mode",
            Locked { .. } => "locked",
            DuplicateBlogId { .. } => "duplicate_blog_id",
            Api { code, .. } => code,
            Internal { .. } => "internal_error",
            Interrupted { .. } => "interrupted",
            OutputFailed { .. } => "output_failed",
        }
    }

    /// The human-readable message (the `Display` text).
    pub fn message(&self) -> String {
        self.to_string()
    }

    /// The failed request changes something and may have been carried out
    /// (sent, then the answer was lost or a signal came): never send it
    /// again without looking (`status`).
    pub fn maybe_sent(&self) -> bool {
        match self {
            Error::Network { maybe_sent, .. } | Error::Timeout { maybe_sent, .. } => *maybe_sent,
            Error::Interrupted { sent, .. } => sent.is_some(),
            Error::Partial { failed, .. }
            | Error::RequestId { failed, .. }
            | Error::WrongToken { failed, .. }
            | Error::Issued { failed, .. } => failed.maybe_sent(),
            Error::Sent { .. } | Error::LicenseNotOnSite { .. } => true,
            _ => false,
        }
    }

    /// The partner credentials themselves were refused (every later
    /// request would be too): `invalid_client`, `invalid_token`,
    /// `unauthorized`, or a bare HTTP 401.
    pub fn is_credential_level(&self) -> bool {
        match self {
            Error::Api { code, .. } => {
                matches!(
                    code.as_str(),
                    "invalid_client" | "invalid_token" | "unauthorized"
                )
            }
            Error::HttpStatus { status } => *status == 401,
            // A token of the wrong kind fails every site alike.
            Error::WrongToken { .. } => true,
            Error::Sent { failed, .. }
            | Error::Partial { failed, .. }
            | Error::LicenseNotOnSite { failed, .. }
            | Error::RequestId { failed, .. } => failed.is_credential_level(),
            _ => false,
        }
    }

    /// A license key issued for the failed work and not on its site yet:
    /// the error object carries it (`license_key`), since printing it is
    /// what keeps a billed license from being lost.
    pub fn license_key(&self) -> Option<&str> {
        match self {
            Error::LicenseNotOnSite { key, .. } => Some(key),
            _ => None,
        }
    }

    /// A 2xx answer that says nothing we can read (empty, not JSON, too
    /// large): to a request that changes something, it may have been
    /// carried out.
    pub fn unread_answer(&self) -> bool {
        matches!(
            self,
            Error::EmptyAnswer
                | Error::NotJson { .. }
                | Error::UnreadableJson { .. }
                | Error::TooLarge { .. }
        )
    }

    /// Fields of the API's own error body, kept so callers of either script
    /// generation (`error`/`message` or `error_code`/`error_message`) work.
    pub fn api_fields(&self) -> Option<&Map<String, Value>> {
        match self {
            Error::Api { fields, .. } => Some(fields),
            Error::Partial { results, .. } => Some(results),
            Error::Issued { fields, .. } | Error::NotAttached { fields, .. } => Some(fields),
            Error::Sent { failed, .. }
            | Error::RequestId { failed, .. }
            | Error::LicenseNotOnSite { failed, .. }
            | Error::WrongToken { failed, .. } => failed.api_fields(),
            _ => None,
        }
    }

    /// The `X-Jetpack-Request-Id` of the answer that failed, if it had one
    /// (the error object carries it as `request_id`).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::RequestId { id, .. } => Some(id),
            Error::Sent { failed, .. }
            | Error::WrongToken { failed, .. }
            | Error::LicenseNotOnSite { failed, .. }
            | Error::Issued { failed, .. } => failed.request_id(),
            _ => None,
        }
    }

    /// True when `wp` could not answer at all (as opposed to answering "no"):
    /// these are the failures the SPEC lets us work around with `--url`.
    pub fn is_wp_unavailable(&self) -> bool {
        use Error::*;
        matches!(self.group(), Group::WordPress)
            && !matches!(
                self,
                InvalidUser { .. }
                    | AuthorizationFailure { .. }
                    | SiteInSafeMode { .. }
                    | DuplicateBlogId { .. }
            )
    }
}

/// A note for a request that failed after it was sent: it may have been
/// carried out, and it is not re-sent.
const MAYBE_SENT: &str = "; the request may have reached WordPress.com and been carried out, so check the site (e.g. upgrade-paths) before running it again";
const CA_HINT: &str =
    "if a proxy or private CA signs its certificate, point SSL_CERT_FILE at that CA";

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.group() {
            Group::Input => self.input(f),
            Group::WordPress => self.wordpress(f),
            Group::Api => self.api(f),
            Group::Run => self.run(f),
        }
    }
}

/// Which part of the wording says what a variant means.
enum Group {
    Input,
    WordPress,
    Api,
    Run,
}

impl Error {
    /// Every variant in one group (the compiler checks this match is whole).
    fn group(&self) -> Group {
        use Error::*;
        match self {
            BadValue { .. }
            | BadFile { .. }
            | SshUserAlone
            | Missing(_)
            | BadWpCliPath { .. }
            | NoBlogId(_)
            | BadApiHost(_)
            | BadApiPath { .. }
            | UnknownFields { .. }
            | UnknownErrorCode { .. }
            | BadToken { .. }
            | TokenJson { .. }
            | StdinTwice { .. }
            | BadConfig { .. }
            | InsecureFile { .. }
            | OptionLikeUser { .. }
            | BadLicenseKey { .. }
            | UnknownProduct { .. }
            | NoToken { .. }
            | BatchLine { .. } => Group::Input,
            WpNotFound(_)
            | WpNotWordpress { .. }
            | WpNeedsAllowRoot { .. }
            | WpFailed { .. }
            | WpNoValue { .. }
            | WpSpawn { .. }
            | WpMissingFact(_)
            | WpNoSites
            | WpTimeout { .. }
            | InvalidUser { .. }
            | AuthorizationFailure { .. }
            | SiteInSafeMode { .. }
            | NotAttached { .. }
            | DuplicateBlogId { .. } => Group::WordPress,
            MissingAccessToken { .. }
            | UnusableAccessToken { .. }
            | EmptyAnswer
            | HttpStatus { .. }
            | NotJson { .. }
            | UnreadableJson { .. }
            | TooLarge { .. }
            | Network { .. }
            | Timeout { .. }
            | BadProxy { .. }
            | PlanNotAvailable { .. }
            | WrongToken { .. }
            | BadPage { .. }
            | Api { .. } => Group::Api,
            Sent { .. }
            | Partial { .. }
            | Interrupted { .. }
            | OutputFailed { .. }
            | Internal { .. }
            | RequestId { .. }
            | Issued { .. }
            | Locked { .. } => Group::Run,
            // Worded together (error/license.rs), whatever their kind.
            NotWithLicense { .. }
            | NoLicenseKey { .. }
            | LicenseNotOnSite { .. }
            | LicenseWaiting { .. } => Group::Run,
        }
    }

    fn input(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Error::*;
        match self {
            BadValue {
                flag,
                value,
                expected,
            } => expected.describe(f, flag, value),
            BadFile {
                flag,
                path,
                problem,
            } => bad_file(f, flag, path, problem),
            SshUserAlone => f.write_str(
                "--ssh-user needs a password (--ssh-pass or --ssh-pass-file) or --ssh-private-key=PATH",
            ),
            Missing(needed) => write!(f, "{needed}"),
            BadWpCliPath { value, cause } => bad_wp_cli_path(f, value, cause.as_deref()),
            NoBlogId(why) => write!(
                f,
                "no WordPress.com blog id: {why}; pass --blog_id (backup credentials are set by blog id only)"
            ),
            BadApiHost(why) => write!(f, "JETPACK_START_API_HOST {why}"),
            BadApiPath { path, why } => write!(
                f,
                "api {path:?}: {why}; give a path on the API host, e.g. /wpcom/v2/sites/12345/rewind/backups"
            ),
            UnknownFields {
                given,
                unknown,
                valid,
            } => unknown_fields(f, given, unknown, valid),
            UnknownErrorCode { code, known } => write!(
                f,
                "the partner API's error catalogue ({known} codes) has no {code:?}; run `jetpack-partner errors` for the list"
            ),
            BadToken { source } => write!(
                f,
                "{source}: the token holds characters no Authorization header can carry (spaces, line breaks or non-ASCII); check that it holds the token alone"
            ),
            OptionLikeUser { user } => write!(
                f,
                "--user={user:?} starts with '-', which WP-CLI would read as an option; pass the user's ID or email instead"
            ),
            BatchLine {
                flag,
                line,
                problem,
            } => write!(f, "{flag} line {line}: {problem}"),
            BadLicenseKey { n, problem } => write!(
                f,
                "license key {n} (of those given) is not a license key: {problem}"
            ),
            UnknownProduct {
                slug,
                known,
                from_api,
            } => unknown_product(f, slug, known, *from_api),
            NoToken { wanted } => write!(
                f,
                "no {} was given: give {}",
                token_name(*wanted),
                token_flags(*wanted)
            ),
            TokenJson { .. } | StdinTwice { .. } | BadConfig { .. } | InsecureFile { .. } => {
                credentials::describe(self, f)
            }
            // Not of this group (see `group`).
            other => f.write_str(other.error_code()),
        }
    }

    fn wordpress(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Error::*;
        match self {
            WpNotFound(how) => write!(f, "{how}"),
            WpNotWordpress { what, place } => write!(
                f,
                "{what}: no WordPress install found at {place}; pass --path=/path/to/wordpress (the folder with wp-load.php) or give the site with --url"
            ),
            WpNeedsAllowRoot { what } => write!(
                f,
                "{what}: WP-CLI refuses to run as root; add --allow-root (or set WP_CLI_ALLOW_ROOT=1), or run as the site's owner"
            ),
            WpFailed { what, exit, said } => write!(f, "{what} failed ({exit}): {said}"),
            WpNoValue {
                what,
                wanted,
                printed,
            } => write!(f, "{what} printed no {wanted}: {printed}"),
            WpSpawn {
                program,
                cause,
                denied,
            } => {
                if *denied {
                    write!(
                        f,
                        "cannot run {program}: permission denied; make it executable (chmod +x) or pass --wp-cli-path='php /path/to/wp-cli.phar'"
                    )
                } else {
                    write!(f, "cannot run {program}: {cause}")
                }
            }
            WpMissingFact(fact) => match fact {
                Fact::Siteurl => f.write_str("WordPress reported an empty siteurl; pass --site_url"),
                Fact::IdOrHome => f.write_str(
                    "WordPress reported neither a Jetpack blog id nor a home URL; pass --home_url",
                ),
            },
            WpNoSites => f.write_str(
                "WordPress lists no sites of a multisite network here (is it one?); --all-sites needs a network: give single sites with --url or --batch",
            ),
            WpTimeout { what, limit } => write!(
                f,
                "{what} ran past its time limit of {} s and was killed; check the site (a plugin may hang) or raise --wp-timeout",
                limit.as_secs_f64()
            ),
            InvalidUser { place, user } => write!(
                f,
                "WordPress at {place} has no user {user:?} (looked up as ID, email and login); pass an existing user with --user"
            ),
            AuthorizationFailure { exit, said } => match exit {
                Some(exit) => write!(f, "wp jetpack authorize_user failed ({exit}): {said}"),
                None => write!(f, "wp jetpack authorize_user could not run: {said}"),
            },

            SiteInSafeMode { blog_id } => {
                f.write_str("WordPress says this site is a copy of another, in Jetpack's safe mode (identity crisis)")?;
                if let Some(id) = blog_id {
                    write!(f, ": blog id {id} is the original site's")?;
                }
                f.write_str(", so nothing was sent for it (a request by blog id would act on the original); fix the copy's connection first (https://jetpack.com/support/safe-mode/), or run this on the original site")
            }
            NotAttached { why, .. } => f.write_str(why),
            DuplicateBlogId { blog_id, with } => write!(
                f,
                "this site and {with} both carry Jetpack blog id {blog_id}: one is a copy of the other, and neither can tell which is the original, so nothing was sent by that blog id for either; fix the copy's connection (https://jetpack.com/support/safe-mode/), or give the original's --blog_id on its own line"
            ),
            // Not of this group (see `group`).
            other => f.write_str(other.error_code()),
        }
    }

    fn api(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Error::*;
        match self {
            MissingAccessToken { what } => write!(
                f,
                "{what}: the answer has no access_token; check --partner_id and --partner_secret"
            ),
            UnusableAccessToken { what } => write!(
                f,
                "{what}: the answer's access_token holds characters no Authorization header can carry (spaces, line breaks or non-ASCII); nothing was sent with it. Try again; if it persists, report it to WordPress.com"
            ),
            EmptyAnswer => f.write_str("Empty response from server"),
            HttpStatus { status } => write!(f, "Request failed with code {status}"),
            NotJson {
                what,
                status,
                preview,
                json,
            } => {
                let not = if *json { "a JSON object" } else { "JSON" };
                write!(f, "{what}: HTTP {status} but the answer is not {not}: {preview}")
            }
            UnreadableJson { what, status, cause } => write!(
                f,
                "{what}: HTTP {status} but the answer is JSON that cannot be read ({cause}), which no partner API answer is"
            ),
            TooLarge { what, limit } => write!(
                f,
                "{what}: the answer is larger than {} KiB, which no partner API answer is; check JETPACK_START_API_HOST",
                limit / 1024
            ),
            Network {
                what,
                host,
                cause,
                via,
                maybe_sent,
                attempts,
            } => network(f, what, host, cause, via, *maybe_sent, *attempts),
            Timeout { .. } => timeout(f, self),
            BadProxy { var } => write!(
                f,
                "the proxy in {var} is not a usable URL (e.g. http://proxy.example:3128); fix or unset it"
            ),
            PlanNotAvailable { plan, available } => {
                let can = if available.is_empty() {
                    "nothing".to_string()
                } else {
                    available.join(", ")
                };
                write!(
                    f,
                    "{plan:?} cannot be provisioned for this site; it can get: {can}"
                )
            }
            Api { message, .. } => f.write_str(message),
            WrongToken {
                wanted,
                source,
                failed,
            } => wrong_token(f, *wanted, source, failed),
            BadPage { what, page, why } => write!(f, "{what}: page {page}: {why}"),
            // Not of this group (see `group`).
            other => f.write_str(other.error_code()),
        }
    }

    fn run(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Error::*;
        match self {
            Sent { failed, .. } => {
                write!(f, "{failed}")?;
                // An answer came back, but not one we can read: whatever
                // it says, the request may have been carried out.
                if failed.unread_answer() {
                    f.write_str(MAYBE_SENT)?;
                }
                Ok(())
            }
            Partial { which, failed, .. } => write!(
                f,
                "{which}: {failed} (each call's answer or error is under its own key)"
            ),
            RequestId { failed, id } => write!(
                f,
                "{failed} (X-Jetpack-Request-Id: {id}; Jetpack support asks for it)"
            ),
            Issued {
                issued,
                count,
                failed,
                ..
            } => write!(
                f,
                "{issued} of {count} licenses were issued before this (each printed on stdout as it came, or under \"license\" here), so issue only the rest: {failed}"
            ),
            Interrupted { signal, sent } => match sent {
                Some(what) => write!(
                    f,
                    "interrupted by {signal} after {what} was sent: it may have reached WordPress.com and been carried out; check the site (jetpack-partner status) before running it again"
                ),
                None => write!(
                    f,
                    "interrupted by {signal} before any request that changes something was sent: nothing was carried out, it is safe to run again"
                ),
            },
            OutputFailed {
                cause,
                carried_out,
                lost,
            } => {
                match (lost, carried_out) {
                    (0, true) => write!(f, "the answer could not be written to stdout ({cause}); the request was carried out, so check the site (jetpack-partner status) before running it again"),
                    (0, false) => write!(f, "the answer could not be written to stdout ({cause}); nothing was sent"),
                    (n, false) => write!(f, "{n} {} could not be written to stdout ({cause}); nothing was sent, and nothing more was done after the first failed write", if *n == 1 { "line" } else { "lines" }),
                    (n, true) => write!(f, "{n} result lines could not be written to stdout ({cause}); their requests were carried out, so check those sites (jetpack-partner status) before running the batch again; no new site was started after the first failed write"),
                }
            }
            Internal { what, at } => write!(
                f,
                "jetpack-partner hit a bug ({what}{at}); nothing more was sent. Please report it with the command line (without secrets)"
            ),
            Locked {
                flag,
                path,
                holder,
                waited,
            } => {
                write!(f, "{flag}={}: another jetpack-partner run ", path.display())?;
                if let Some(pid) = holder {
                    write!(f, "(pid {pid}) ")?;
                }
                f.write_str("holds it, so nothing was sent (two runs at once would both take the same lines for undone)")?;
                match waited {
                    Some(w) => write!(f, "; still held after waiting {} s: try again later or wait longer", w.as_secs_f64()),
                    None => f.write_str("; let it finish, or add --wait-lock=SECONDS to wait for it"),
                }
            }
            // A product by license: all its wording in one place.
            NotWithLicense { .. }
            | NoLicenseKey { .. }
            | LicenseNotOnSite { .. }
            | LicenseWaiting { .. } => license::describe(self, f),
            // Not of this group (see `group`).
            other => f.write_str(other.error_code()),
        }
    }
}

impl Expected {
    /// `{flag}={value}` is not what the flag takes: the whole sentence.
    fn describe(&self, f: &mut fmt::Formatter<'_>, flag: &str, value: &str) -> fmt::Result {
        let what = match self {
            Expected::Seconds => {
                format!("a number of seconds above 0 and up to 86400; e.g. {flag}=30")
            }
            Expected::BlogId => "a WordPress.com blog id (a positive number); leave it out to read it from WordPress".into(),
            Expected::PlanCount => "a number of plans (a whole number, 0 or more)".into(),
            Expected::Jobs { max } => format!("a number of sites from 1 to {max}"),
            Expected::Method => {
                "a method this tool sends (GET, POST, PUT, PATCH, DELETE)".into()
            }
            Expected::Format => "a list format; use json, table, csv or count".into(),
            Expected::Depth => "a folder depth (a whole number from 1 to 64)".into(),
            Expected::KeyValue => format!("KEY=VALUE, e.g. {flag}=number=20"),
            Expected::Count => "a whole number (0 or more)".into(),
            Expected::Summary => "a summary format; use text or json".into(),
            Expected::AuditFormat => "an audit format; use json (one line per finding) or html (one page)".into(),
            Expected::KeyId => "a partner key id (a positive number, as partner-key list shows)".into(),
            Expected::Via => "how the line's products come: \"license\" (a license issued and set on the site), or \"partner\" (provision, the default)".into(),
            Expected::LicenseCount { max } => {
                format!("a number of licenses from 1 to {max} (each is billed)")
            }
            Expected::SiteUrl => {
                return write!(
                    f,
                    "{flag}={value:?} names no site (there is no host in it); e.g. {flag}=https://example.com"
                )
            }
        };
        write!(f, "{flag}={value:?} is not {what}")
    }
}

/// `license issue --product` names no product.
fn unknown_product(
    f: &mut fmt::Formatter<'_>,
    slug: &str,
    known: &[String],
    from_api: bool,
) -> fmt::Result {
    let whose = if from_api {
        "its products (license products) are"
    } else {
        "the documented ones are (the API's own list could not be read)"
    };
    write!(
        f,
        "--product={slug:?} is no product the Licensing API issues; {whose} {}",
        known.join(", ")
    )
}

/// What a kind of token is called in messages.
fn token_name(kind: crate::api::Bearer) -> &'static str {
    use crate::api::Bearer;
    match kind {
        Bearer::Reporting => {
            "reporting token (a WordPress.com user token of the user tied to the partner key)"
        }
        Bearer::Licensing => "licensing token (the one Jetpack gave you) or partner token",
        Bearer::Partner | Bearer::None => "partner token",
    }
}

/// Where a kind of token is given.
fn token_flags(kind: crate::api::Bearer) -> &'static str {
    use crate::api::Bearer;
    match kind {
        Bearer::Reporting => "--reporting-token-file=PATH or JETPACK_REPORTING_TOKEN",
        Bearer::Licensing => "--licensing-token-file=PATH or JETPACK_LICENSING_TOKEN",
        Bearer::Partner | Bearer::None => "--partner_id/--partner_secret or a token",
    }
}

/// The API refused a token as the wrong kind (`invalid_scope`): which
/// token the endpoint takes, and the API's words.
fn wrong_token(
    f: &mut fmt::Formatter<'_>,
    wanted: crate::api::Bearer,
    source: &str,
    failed: &Error,
) -> fmt::Result {
    match wanted {
        crate::api::Bearer::Reporting => write!(f, "the partner reports refused the token from {source} as the wrong kind: they take the reporting token, a WordPress.com user token (--reporting-token-file or JETPACK_REPORTING_TOKEN); the partner and licensing tokens do not read them")?,
        _ => write!(f, "the Licensing API refused the token from {source} as the wrong kind: it takes the licensing token Jetpack gave you (--licensing-token-file or JETPACK_LICENSING_TOKEN) or the partner token; a reporting token (a WordPress.com user token) does not work there")?,
    }
    write!(f, ". The API said: {failed}")
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("it is empty"),
            Self::TooLong(max) => write!(f, "it is longer than {max} characters"),
            Self::Characters => f.write_str("license keys hold only letters, digits, - and _ (no spaces); check for a stray quote or a line break"),
        }
    }
}

impl fmt::Display for PageProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const STOPPED: &str = "stopped here (the items before were printed)";
        match self {
            Self::NoItems(member) => write!(f, "the answer has no {member:?} list, which every page has"),
            Self::Repeats(earlier) => write!(f, "the API sent the same items as page {earlier} again, so its pages would never end; {STOPPED}"),
            Self::TooMany(max) => write!(f, "more than {max} pages, which no list has; {STOPPED}"),
            Self::TooLong(limit) => write!(f, "paging took longer than {} s; {STOPPED}", limit.as_secs()),
        }
    }
}

fn bad_wp_cli_path(f: &mut fmt::Formatter<'_>, value: &str, cause: Option<&str>) -> fmt::Result {
    match cause {
        Some(cause) => write!(
            f,
            "--wp-cli-path={value:?} cannot be split into words ({cause}); quote it like a shell command, e.g. --wp-cli-path='php /opt/wp-cli.phar'"
        ),
        None => f.write_str(
            "--wp-cli-path is empty; give the wp command, e.g. --wp-cli-path=/usr/local/bin/wp",
        ),
    }
}

fn unknown_fields(
    f: &mut fmt::Formatter<'_>,
    given: &str,
    unknown: &[String],
    valid: &[&str],
) -> fmt::Result {
    write!(
        f,
        "--fields={given:?}: this list has no {} {}; its fields are {} (a value inside one as FIELD.KEY)",
        if unknown.len() == 1 { "field" } else { "fields" },
        unknown
            .iter()
            .map(|u| format!("{u:?}"))
            .collect::<Vec<_>>()
            .join(", "),
        valid.join(", "),
    )
}

/// `{flag}={path}: ...`: why a file named by a flag cannot be used.
fn bad_file(
    f: &mut fmt::Formatter<'_>,
    flag: &str,
    path: &std::path::Path,
    problem: &FileProblem,
) -> fmt::Result {
    let path = path.display();
    match problem {
            FileProblem::Unreadable(cause) => write!(
                f,
                "{flag}={path}: cannot read it ({cause}); check the path and its permissions"
            ),
            FileProblem::Unwritable(cause) => write!(
            f,
            "{flag}={path}: cannot write there ({cause}); check that the folder exists and this user may write to it"
        ),
        FileProblem::Folder => write!(
                f,
                "{flag}={path}: cannot read it (it is a folder); check the path and its permissions"
            ),
            FileProblem::NotUtf8 => write!(
                f,
                "{flag}={path}: cannot read it (it is not UTF-8 text); check the path and its permissions"
            ),
            FileProblem::NotJson(cause) => write!(
                f,
                "{flag}={path}: cannot read it (it is not JSON: {cause}); check the path and its permissions"
            ),
            FileProblem::StoppedAfter { line, cause } => write!(
                f,
                "{flag}={path}: cannot read it (reading stopped after line {line}: {cause}; the lines before it were done); check the path and its permissions"
            ),
            FileProblem::TooLarge(limit) => write!(
                f,
                "{flag}={path}: larger than {} KiB, which no {} is; check the path",
                limit / 1024,
                if flag == "--input" {
                    "request body"
                } else {
                    "secret"
                }
            ),
            FileProblem::Empty => write!(
                f,
                "{flag}={path}: the file is empty; put the secret on its first line"
            ),
            FileProblem::Terminal => write!(
                f,
                "{flag}={path}: stdin is a terminal, not the secret; pipe it in (printf '%s\\n' \"$SECRET\" | jetpack-partner …) or name a file"
            ),
        }
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
                    Self::NotUtf8 => f.write_str("not UTF-8 text; save the file as UTF-8"),
                    Self::TooLong(limit) => write!(
                        f,
                        "longer than {} KiB, which no batch line is; one JSON object per line",
                        limit / 1024
                    ),
                    Self::NotObject => f.write_str(
                        "not a JSON object like {\"url\":\"https://example.com\",\"user\":\"admin\"}",
                    ),
                    Self::FieldType { field } => {
                        write!(f, "field {field:?} must be a string, number or boolean")
                    }
                    Self::UnknownField { field, command } => write!(
                        f,
                        "unknown field {field:?}; use the {command} flag names (see jetpack-partner {command} --help)"
                    ),
                    Self::Switch { field } => write!(
                        f,
                        "field {field:?} is a switch: true or false (1/0, \"true\"/\"false\" also do)"
                    ),
                    Self::NotAllowed { field } => write!(
                        f,
                        "field {field:?} applies to the whole run; give it on the command line"
                    ),
                    Self::Unusable(kind) => {
                        write!(f, "the fields cannot be used as flags ({kind})")
                    }
                    Self::Invalid(e) => write!(f, "{e}"),
                    Self::SiteTwice(first) => write!(
                        f,
                        "the site is on line {first} already, with other products; list each site once, with all its products"
                    ),
        }
    }
}

impl fmt::Display for WpMissing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotOnPath => f.write_str(
                "WP-CLI (wp) is not on PATH; install it, pass --wp-cli-path=/path/to/wp, or give the site with --url",
            ),
            Self::CommandNotOnPath(p) => write!(
                f,
                "--wp-cli-path names {p:?}, which is not on PATH; give the full path to WP-CLI"
            ),
            Self::NoSuchFile(p) => write!(
                f,
                "--wp-cli-path names {p:?}, which does not exist; give the full path to WP-CLI"
            ),
            Self::NeededForOptions => f.write_str(
                "WP-CLI (wp) is not on PATH, and license set/unset change the site's options through it; install it, or pass --wp-cli-path=/path/to/wp (and --path=/path/to/wordpress)",
            ),
            Self::NeededForLicense => f.write_str(
                "WP-CLI (wp) is not on PATH, and provision --license sets the license on the site through it, so nothing was issued; install it, or pass --wp-cli-path=/path/to/wp (and --path=/path/to/wordpress)",
            ),
            Self::NeededForNetwork => f.write_str(
                "WP-CLI (wp) is not on PATH, and --all-sites needs it to list the network's sites; install it, pass --wp-cli-path=/path/to/wp, or list the sites in a --batch file",
            ),
            Self::Vanished(p) => write!(
                f,
                "cannot run {p}: not found; install WP-CLI or pass --wp-cli-path=/path/to/wp"
            ),
        }
    }
}

impl fmt::Display for Needed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, flag) = match self {
            Needed::User => ("user", "--user (ID, login or email)"),
            Needed::UserToProvision => ("user", "--user (or \"user\" on the line) to provision"),
            Needed::PlanForIfNeeded => (
                "plan",
                "--plan (--if-needed provisions it only when it is not there)",
            ),
            Needed::BackupCredentials => (
                "credentials",
                "--ssh-host/--ssh-user (and a password or key) or --ftp-host/--ftp-user",
            ),
            Needed::SshHost => ("host", "--ssh-host"),
            Needed::SshUser => ("user", "--ssh-user"),
            Needed::FtpHost => ("host", "--ftp-host"),
            Needed::FtpUser => ("user", "--ftp-user"),
            Needed::Products => ("products", "\"products\": [\"slug\", ...] on each line"),
            Needed::ProductSlugs => (
                "product slugs",
                "\"products\": [\"slug\", ...] on each line",
            ),
            Needed::LicenseKey => ("license key", "KEY (or \"license_key\" on the line)"),
            Needed::PlanForLicense => (
                "plan",
                "--plan (the product --license issues a license for)",
            ),
        };
        write!(f, "no {what}: give {flag}")
    }
}

impl fmt::Display for NoBlogIdWhy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotConnected => {
                f.write_str("Jetpack on this site has none yet (it is not connected)")
            }
            Self::NoWp => f.write_str("there is no WP-CLI (wp) to ask WordPress"),
            Self::Unasked(e) => write!(f, "WordPress could not be asked ({e})"),
        }
    }
}

impl fmt::Display for PathProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotRelative => "it must start with / and is always relative to the API host",
            Self::OtherHost => "// would name another host",
            Self::BadCharacters => "spaces, control characters, \\ and # are not allowed",
            Self::LeavesTheHost => "the URL it makes would not be the API host's",
            Self::DotSegment => {
                "a . or .. segment (in any spelling, %2e too) would leave the API's base path"
            }
        })
    }
}

impl fmt::Display for HostProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const GIVE: &str = "give host[:port] (e.g. 10.0.0.5:8443) or a URL (e.g. https://api.example:8443/sandbox)";
        match self {
            Self::NotAUrl(cause) => write!(f, "is not a host or URL ({cause}); {GIVE}"),
            Self::BadCharacters => write!(f, "holds spaces or control characters; {GIVE}"),
            Self::Scheme(s) => write!(f, "names the scheme {s:?}; use https:// (or http:// for a test server)"),
            Self::UserInfo => f.write_str("holds a user name or password (user:pw@), which would be shown in messages and is no partner credential; remove it (credentials go by --partner_id/--partner_secret or a token)"),
            Self::Query => write!(f, "holds a query (?...), where every request's path would land; remove it (a base path such as /sandbox is fine)"),
            Self::Fragment => write!(f, "holds a fragment (#...), which would cut every request's path off; remove it"),
            Self::PlainHttp { host } => write!(f, "is plain http:// to {host}, which is not this machine: the client secret and partner token would cross the network unencrypted; use https://, or set JETPACK_PARTNER_INSECURE_HTTP=1 to allow it (e.g. a test server on a private network)"),
        }
    }
}

/// A request that failed on the way: which, to where, why, and what that
/// means for sending it again.
#[allow(clippy::too_many_arguments)]
fn network(
    f: &mut fmt::Formatter<'_>,
    what: &str,
    host: &str,
    cause: &NetCause,
    via: &str,
    maybe_sent: bool,
    attempts: u32,
) -> fmt::Result {
    write!(f, "{what}: ")?;
    match cause {
            NetCause::Dns(detail) => write!(
                f,
                "cannot resolve {host} ({}){via}; check the host name, /etc/hosts, /etc/resolv.conf and JETPACK_START_API_HOST",
                detail.as_deref().unwrap_or("DNS lookup failed")
            )?,
            NetCause::Talk(cause) => write!(
                f,
                "cannot talk to {host}: {cause}{via}; check the network, firewall and proxy settings"
            )?,
            NetCause::Tls(cause) => {
                write!(f, "TLS with {host} failed: {cause}{via}; {CA_HINT}")?
            }
            NetCause::ProxyRefused(cause) => write!(
                f,
                "the proxy refused to connect to {host}: {cause}; check HTTPS_PROXY and NO_PROXY"
            )?,
            NetCause::ProxyUrl => f.write_str(
                "the proxy URL in HTTPS_PROXY/HTTP_PROXY/ALL_PROXY is invalid; fix or unset it",
            )?,
            NetCause::Other(cause) => {
                write!(f, "request to {host} failed: {cause}{via}")?
            }
            NetCause::Stopped => f.write_str("the token request stopped unexpectedly")?,
        }
    tail(f, maybe_sent, attempts)
}

/// A request that ran past its time limit.
fn timeout(f: &mut fmt::Formatter<'_>, e: &Error) -> fmt::Result {
    let Error::Timeout {
        what,
        host,
        limit,
        connecting,
        via,
        maybe_sent,
        attempts,
    } = e
    else {
        return Ok(());
    };
    match limit {
            Some(limit) if *connecting => write!(
                f,
                "{what}: could not connect to {host} within {} s{via}; check the network, firewall and proxy settings, or try again later",
                limit.as_secs_f64()
            )?,
            Some(limit) => write!(
                f,
                "{what}: {host} did not answer within {} s{via}; try again later or raise --timeout",
                limit.as_secs_f64()
            )?,
            None => write!(
                f,
                "{what}: {host} did not answer in time{via}; try again later or raise --timeout"
            )?,
        }
    tail(f, *maybe_sent, *attempts)
}

/// What a failed request adds: that it may have been carried out, and how
/// many tries it took.
fn tail(f: &mut fmt::Formatter<'_>, maybe_sent: bool, attempts: u32) -> fmt::Result {
    if maybe_sent {
        f.write_str(MAYBE_SENT)?;
    }
    if attempts >= 2 {
        write!(f, " (gave up after {attempts} attempts)")?;
    }
    Ok(())
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
