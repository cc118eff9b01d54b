//! `api PATH`: any path of the API with the partner token, like `gh api`:
//! `-f key=value` fields (the query of a GET, else the form), `--input` a
//! JSON body. PATH stays on the API host: the token never goes elsewhere.

use super::Command;
use crate::api::request::Body;
use crate::api::{json, split_scheme, Base, Bearer, Method, Request, Retry};
use crate::credentials::{self, CredArgs};
use crate::error::{Error, Expected, FileProblem, PathProblem, Result};
use crate::flags::common::RunArgs;
use crate::flags::{given, Context, Parsed};
use crate::job::Run;
use crate::work::Work;
use clap::Parser;
use std::io::Read;

pub const HELP: &str = "\
Required: --partner_id and --partner_secret (or their variables, or a token),
PATH.

Examples:
  jetpack-partner api /wpcom/v2/sites/12345/rewind/backups
  jetpack-partner api /wpcom/v2/sites/12345/activity -f number=20
  jetpack-partner api -X POST /wpcom/v2/sites/12345/scan/enqueue
  jetpack-partner api -X POST /wpcom/v1.1/activity-log/12345/rewind/to/1700000000 --input=restore.json

PATH is always relative to the API host (JETPACK_START_API_HOST): a full URL
is refused, and so is a . or .. segment in any spelling (%2e too), which
would leave a base path (JETPACK_START_API_HOST=https://h/sandbox): the
token never goes anywhere else. GET may be retried; any other method is
never sent twice.";

#[derive(Parser, Debug, Clone, Default)]
#[command(
    name = "api",
    about = "Call any endpoint of the API with the partner token (backups, scan, activity, restore, ...)",
    after_help = HELP
)]
pub struct Api {
    #[command(flatten)]
    pub creds: CredArgs,

    /// The endpoint, relative to the API host: /wpcom/v2/sites/12345/rewind/backups
    #[arg(value_name = "PATH")]
    pub path: Option<String>,

    /// HTTP method [default: GET]
    #[arg(
        short = 'X',
        long = "method",
        value_name = "METHOD",
        help_heading = "Request"
    )]
    pub method: Option<String>,

    /// A form field (a query parameter for GET), repeatable
    #[arg(
        short = 'f',
        long = "field",
        value_name = "KEY=VALUE",
        help_heading = "Request",
        action = clap::ArgAction::Append
    )]
    pub field: Vec<String>,

    /// Send this file's JSON as the body (- for stdin)
    #[arg(long = "input", value_name = "FILE", help_heading = "Request")]
    pub input: Option<String>,

    #[command(flatten)]
    pub run: RunArgs,
}

impl Command for Api {
    fn plan(self, ctx: &Context) -> Parsed {
        let auth = ctx.credentials(&self.creds, true)?;
        let Some(path) = given(&self.path).map(str::to_string) else {
            return Err(ctx.missing("<PATH> (e.g. /wpcom/v2/sites/12345/rewind/backups)"));
        };
        ctx.invocation(&self.run, |settings| {
            let request = self.request(&path, &settings.base)?;
            Ok(Run::Plain {
                auth: Some(credentials::read_auth(auth)?),
                work: Work::send(request),
            })
        })
    }
}

impl Api {
    /// The request: a GET may be retried like a read; anything else is
    /// never sent twice. Answers of any JSON shape (backups come as a list).
    fn request(&self, path: &str, base: &Base) -> Result<Request> {
        let method = match given(&self.method) {
            None => Method::Get,
            Some(m) => Method::parse(m).ok_or_else(|| Error::BadValue {
                flag: "--method".into(),
                value: m.to_string(),
                expected: Expected::Method,
            })?,
        };
        let (path, raw_query) = api_path(path, base)?;
        let mut fields = Vec::new();
        for f in &self.field {
            let (k, v) = f.split_once('=').ok_or_else(|| Error::BadValue {
                flag: "--field".into(),
                value: f.clone(),
                expected: Expected::KeyValue,
            })?;
            fields.push((k.to_string(), v.to_string()));
        }
        let json = given(&self.input).map(read_json).transpose()?;
        let get = method == Method::Get;
        let mut r = Request {
            method,
            path,
            raw_query,
            query: Vec::new(),
            body: Body::None,
            bearer: Bearer::Partner,
            retry: if get {
                Retry::Idempotent
            } else {
                Retry::BeforeSendOnly
            },
            secret_fields: &[],
            object: false,
        };
        match (json, get) {
            (Some(json), _) => {
                r.body = Body::Json(json);
                r.query = fields;
            }
            (None, true) => r.query = fields,
            (None, false) if !fields.is_empty() => r.body = Body::Form(fields),
            (None, false) => {}
        }
        Ok(r)
    }
}

/// `api`'s PATH: it must start with `/` (not `//`), hold no spaces or
/// control characters, and the URL it makes must still point at the API
/// host — so the partner token never goes anywhere else.
pub fn api_path(path: &str, base: &Base) -> Result<(String, Option<String>)> {
    let bad = |why: PathProblem| Error::BadApiPath {
        path: path.to_string(),
        why,
    };
    if !path.starts_with('/') {
        return Err(bad(PathProblem::NotRelative));
    }
    if path.starts_with("//") {
        return Err(bad(PathProblem::OtherHost));
    }
    if path.contains(|c: char| c.is_whitespace() || c.is_control() || c == '\\' || c == '#') {
        return Err(bad(PathProblem::BadCharacters));
    }
    let (p, q) = match path.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (path.to_string(), None),
    };
    if has_dot_segment(&p) {
        return Err(bad(PathProblem::DotSegment));
    }
    let full = format!("{}{}", base.url, path);
    let same_host = |u: &url::Url| {
        url::Url::parse(&base.url).is_ok_and(|b| {
            b.host_str() == u.host_str() && b.port_or_known_default() == u.port_or_known_default()
        })
    };
    // And read back (dot segments resolved as a server would), the path
    // is still under the base path.
    let under_base = |u: &url::Url| {
        let rest = u.path().strip_prefix(base.path());
        rest.is_some_and(|r| r.is_empty() || r.starts_with('/'))
    };
    match url::Url::parse(&full) {
        Ok(u) if same_host(&u) && under_base(&u) && split_scheme(&full).is_some() => Ok((p, q)),
        _ => Err(bad(PathProblem::LeavesTheHost)),
    }
}

/// A `.` or `..` segment in any spelling a server may read as one: escaped
/// (`%2e`, `%2E`, `.%2e`, `%2e%2E`, even `%2f..%2f`, `%5c..` for the
/// separators), with `;params` (`..;`, which Java servers resolve) or cut
/// by a NUL (`..%00`).
fn has_dot_segment(path: &str) -> bool {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    decoded
        .split(['/', '\\'])
        .map(|seg| seg.split([';', '\0']).next().unwrap_or(seg))
        .any(|seg| seg == "." || seg == "..")
}

/// `--input=FILE` (`-` for stdin): JSON, checked before anything is sent.
/// `api --input`: a request body, never near this (`/dev/zero` must not
/// eat the memory).
const INPUT_LIMIT: u64 = 1 << 20;

fn read_json(file: &str) -> Result<Vec<u8>> {
    let bad = |problem| Error::BadFile {
        flag: "--input".into(),
        path: file.into(),
        problem,
    };
    let mut bytes = Vec::new();
    let read = if file == "-" {
        std::io::stdin()
            .lock()
            .take(INPUT_LIMIT + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(INPUT_LIMIT + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| bad(FileProblem::Unreadable(e.to_string())))?;
    if bytes.len() as u64 > INPUT_LIMIT {
        return Err(bad(FileProblem::TooLarge(INPUT_LIMIT)));
    }
    // Any JSON, however deep (see `api::json`); serde's words when not.
    if !std::str::from_utf8(&bytes).is_ok_and(json::is_json) {
        let why = serde_json::from_slice::<serde_json::Value>(&bytes)
            .err()
            .map_or_else(String::new, |e| e.to_string());
        return Err(bad(FileProblem::NotJson(why)));
    }
    Ok(bytes)
}
