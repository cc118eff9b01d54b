//! The one executor: the tokens (the partner token fetched once, early or
//! late; the others as given), the `--dry-run` rendering, sending a
//! command's steps and judging each answer, and the authorize step.
//! Commands only build plans; everything that reaches the network goes
//! through here. The licensing steps are in `license` (a product by
//! license: `licensed`), paging in `pages`.

use crate::api::{self, judge, Api, Bearer, Request};
use crate::endpoints;
use crate::error::{Error, NetCause, Result};
use crate::job::{Auth, Settings, SiteJob};
use crate::output;
use crate::site::{Resolver, Site};
use crate::work::{self, Step, Work};
use serde_json::Value;
use std::sync::{Mutex, OnceLock};

mod license;
mod licensed;
mod pages;
mod steps;
mod throttle;

use steps::narrow;

pub struct Executor {
    settings: Settings,
    /// None: the command sends nothing that takes the partner token (a
    /// licensing token was given, or it only asks WordPress).
    auth: Option<Auth>,
    api: OnceLock<Api>,
    /// The partner token, once fetched: one per run, however many sites.
    token: Mutex<Option<String>>,
    /// A fleet run's rate limiting; None in a single run.
    throttle: Option<throttle::Throttle>,
}

impl Executor {
    pub fn new(settings: Settings, auth: Option<Auth>) -> Executor {
        Executor {
            settings,
            auth,
            api: OnceLock::new(),
            token: Mutex::new(None),
            throttle: None,
        }
    }

    pub fn dry_run(&self) -> bool {
        self.settings.dry_run
    }

    /// The HTTP client, built when the first request is about to go out
    /// (TLS roots are read then, never for `--help` or a dry run).
    fn api(&self) -> Result<&Api> {
        if let Some(api) = self.api.get() {
            return Ok(api);
        }
        let api = Api::new(self.settings.base.clone(), self.settings.timeout)?;
        Ok(self.api.get_or_init(|| api))
    }

    /// The partner token: given, or fetched on first use and then reused.
    /// Concurrent callers wait for the one request.
    pub fn token(&self) -> Result<String> {
        let mut slot = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = slot.as_ref() {
            return Ok(t.clone());
        }
        let token = match &self.auth {
            Some(Auth::Token(t)) => t.clone(),
            Some(Auth::Client(_)) => self.fetch_token()?.0,
            // A batch line asked for more than the command line (e.g.
            // --if-needed under provision --license with only a licensing
            // token): say which token is missing.
            None => {
                return Err(Error::NoToken {
                    wanted: Bearer::Partner,
                })
            }
        };
        *slot = Some(token.clone());
        Ok(token)
    }

    /// The partner token now, when the run takes one: a run that cannot
    /// get it fails before anything else is sent.
    fn early_token(&self) -> Result<()> {
        match self.auth {
            Some(_) => self.token().map(drop),
            None => Ok(()),
        }
    }

    /// The token a request of this kind carries: the partner token
    /// (fetched once), or the one given for its API.
    fn bearer(&self, kind: Bearer) -> Result<Option<String>> {
        let given = match kind {
            Bearer::None => return Ok(None),
            Bearer::Partner => None,
            Bearer::Licensing => self.settings.tokens.licensing.as_ref(),
            Bearer::Reporting => match &self.settings.tokens.reporting {
                Some(t) => Some(t),
                None => return Err(Error::NoToken { wanted: kind }),
            },
        };
        match given {
            Some(t) => Ok(Some(t.token.clone())),
            None => self.token().map(Some),
        }
    }

    /// Whether a request of this kind takes the partner token.
    fn takes_partner_token(&self, kind: Bearer) -> bool {
        match kind {
            Bearer::Partner => true,
            Bearer::Licensing => self.settings.tokens.licensing.is_none(),
            Bearer::None | Bearer::Reporting => false,
        }
    }

    /// Where the token a request of this kind carries came from (for a
    /// refusal's message).
    fn token_source(&self, kind: Bearer) -> String {
        let given = match kind {
            Bearer::Licensing => self.settings.tokens.licensing.as_ref(),
            Bearer::Reporting => self.settings.tokens.reporting.as_ref(),
            _ => None,
        };
        match (given, &self.auth) {
            (Some(t), _) => t.source.to_string(),
            (None, Some(Auth::Token(_))) => "the partner token given".into(),
            (None, _) => "the partner token (client credentials)".into(),
        }
    }

    /// `POST /oauth2/token`: the token and the whole answer.
    fn fetch_token(&self) -> Result<(String, Vec<u8>)> {
        let Some(request) = self.token_request() else {
            return Err(Error::Internal {
                what: "a token was needed without credentials".into(),
                at: String::new(),
            });
        };
        let answer = self.api()?.send(&request, None)?;
        // Whatever the verdict, a token in the answer is a secret from now
        // on: a failed answer's fields end up in the error object.
        if let Ok(v) = serde_json::from_slice::<Value>(&answer.body) {
            if let Some(t) = v.get("access_token").and_then(Value::as_str) {
                output::register_secret(t);
            }
        }
        let token = api::token_from(&answer)?;
        Ok((token, answer.body))
    }

    /// The token request, when the token is to be asked for.
    fn token_request(&self) -> Option<Request> {
        match &self.auth {
            Some(Auth::Client(c)) => Some(endpoints::token(&c.client_id, &c.client_secret)),
            _ => None,
        }
    }

    /// `token`: the token answer itself (printing it is the point).
    pub fn token_answer(&self) -> Result<Done> {
        if self.dry_run() {
            let list: Vec<Value> = self
                .token_request()
                .iter()
                .map(|r| r.describe(&self.settings.base))
                .collect();
            return Ok(Done::DryRun(
                serde_json::json!({ "dry_run": true, "requests": list }),
            ));
        }
        let (token, body) = self.fetch_token()?;
        output::allow_in_answers(&token);
        Ok(Done::Body(body))
    }

    /// Get the token while `work` (asking WordPress) runs, so the wall time
    /// is the longer of the two, not their sum.
    pub fn token_while<T>(&self, work: impl FnOnce() -> Result<T>) -> Result<T> {
        std::thread::scope(|s| {
            let token = s.spawn(|| self.early_token());
            let done = work();
            let token = token.join().unwrap_or_else(|_| {
                Err(Error::Network {
                    what: "POST /oauth2/token".into(),
                    host: self.settings.base.host().to_string(),
                    cause: NetCause::Stopped,
                    via: String::new(),
                    maybe_sent: false,
                    attempts: 1,
                })
            });
            // WordPress's answer decides first: it says which site, or why not.
            let done = done?;
            token?;
            Ok(done)
        })
    }

    /// `--dry-run`: the requests that would be sent, secrets redacted.
    pub fn describe(&self, work: &Work) -> Value {
        let needed = work.bearers().any(|b| self.takes_partner_token(b));
        let token = self.token_request().filter(|_| needed);
        let list = token
            .iter()
            .chain(work.requests())
            .map(|r| r.describe(&self.settings.base))
            .collect();
        serde_json::json!({ "dry_run": true, "requests": Value::Array(list) })
    }

    /// A command without a site (partner-key new, verify, errors, api, ...).
    pub fn plain(&self, work: Work) -> Result<Done> {
        if self.dry_run() {
            return self.dry(&work);
        }
        self.perform(work)
    }

    /// One site, from its flags to its answer: find the site (fetching the
    /// token meanwhile where the command allows), then send its steps. In
    /// a batch the token is already there and this only adds the site.
    pub fn site(&self, job: &SiteJob) -> Result<Done> {
        // `wp` located first: a run that cannot find its site fails before
        // any request.
        let resolver = self.resolver(job)?;
        let site = if self.dry_run() {
            resolver.resolve()?
        } else if job.action.token_while_wordpress_boots() {
            self.token_while(|| resolver.resolve())?
        } else {
            let site = resolver.resolve()?;
            self.early_token()?;
            site
        };
        self.on_site(job, &site)
    }

    /// Find the job's site: `--blog_id`, WordPress, or the URL flags.
    pub fn resolve(&self, job: &SiteJob) -> Result<Site> {
        self.resolver(job)?.resolve()
    }

    fn resolver<'a>(&self, job: &'a SiteJob) -> Result<Resolver<'a>> {
        let action = &job.action;
        Resolver::new(&job.site, action.need(self.dry_run()), action.on_copy())
    }

    /// The job's steps on its site, sent (a dry run: described, unless the
    /// work reads what it would change).
    pub fn on_site(&self, job: &SiteJob, site: &Site) -> Result<Done> {
        let work = job.action.steps(site);
        if self.dry_run() && !work.reads_in_dry_run() {
            return self.dry(&work);
        }
        self.perform(work)
    }

    /// Send the steps (with the token where they take it): the answer that
    /// is the command's answer, or, when `--if-needed` found nothing to do,
    /// the unchanged document.
    fn perform(&self, work: Work) -> Result<Done> {
        let api = self.api()?;
        let mut answer: Option<(Vec<u8>, Value)> = None;
        // The request id of the answer just read, for a later step's failure.
        let mut answered: Option<String> = None;
        for step in work.steps {
            match step {
                Step::RequirePlan { request, plan } => {
                    let paths = self.send(api, &request)?;
                    work::check_plan(&plan, &paths.1)?;
                }
                Step::Send(request) => {
                    let (a, json) = self.exchange(api, &request)?;
                    answered = a.request_id;
                    answer = Some((a.body, json));
                }
                Step::Each(calls) => answer = Some(self.each(api, calls)?),
                Step::MarkCopy => answer = answer.map(mark_copy),
                Step::Narrow { code } => {
                    let catalogue = answer.as_ref().map(|(_, json)| json);
                    answer = Some(narrow(catalogue, &code)?);
                }
                Step::Reconcile(r) => return self.reconcile(api, *r),
                Step::Unless { status, needless } => {
                    let status = self.status(api, &status)?;
                    if needless.holds(&status) {
                        return Ok(Done::Unchanged(status));
                    }
                }
                Step::CheckProduct { families, slug } => {
                    self.check_product(api, &families, &slug)?
                }
                Step::Repeat { request, times } => return self.repeat(api, &request, times),
                Step::Pages { request, paging } => return self.print_pages(api, &request, paging),
                Step::Peek { .. } => {}
                Step::Connected => {
                    let json = answer.as_ref().map(|(_, json)| json);
                    license::connected(json, answered.take())?;
                }
                Step::Licenses { wp, change } => return license::licenses(wp.as_ref(), &change),
                Step::ByLicense { issue, how } => {
                    answer = Some(self.by_license(api, &issue, &how)?)
                }
                Step::Authorize { wp, user } => {
                    // The answer carries a user access token when the partner
                    // key may connect a WordPress.com user; the scripts
                    // finished that step with WP-CLI.
                    let site_token = answer
                        .as_ref()
                        .and_then(|(_, json)| json.get("access_token"))
                        .and_then(Value::as_str)
                        .filter(|t| !t.is_empty());
                    if let Some(t) = site_token {
                        output::allow_in_answers(t);
                        // The provision stands either way: its answer (the
                        // token, to finish by hand) goes with the failure.
                        wp.authorize_user(&user, t).map_err(|e| Error::Sent {
                            failed: Box::new(e),
                            answer: answer.as_ref().map(|(_, json)| json.clone()),
                        })?;
                    }
                }
            }
        }
        Ok(Done::Body(answer.map(|(body, _)| body).unwrap_or_default()))
    }

    /// One read, its answer as JSON (`audit`: a site's status, a page of
    /// activations); a status of a site WordPress.com does not know is
    /// one with nothing.
    pub fn read(&self, request: &Request) -> Result<Value> {
        self.status(self.api()?, request)
    }

    /// A site's status; a site WordPress.com does not know has nothing.
    pub(super) fn status(&self, api: &Api, request: &Request) -> Result<Value> {
        match self.send(api, request) {
            Ok((_, json)) => Ok(json),
            Err(Error::Api { code, .. }) if UNKNOWN_SITE.contains(&code.as_str()) => {
                Ok(serde_json::json!({ "products": [] }))
            }
            Err(e) => Err(e),
        }
    }

    /// Send one request with its token and judge its answer.
    pub(super) fn send(&self, api: &Api, request: &Request) -> Result<(Vec<u8>, Value)> {
        self.exchange(api, request).map(|(a, json)| (a.body, json))
    }

    /// [`send`](Executor::send), keeping the whole answer. A failure
    /// names the answer's `X-Jetpack-Request-Id`, and a token refused as
    /// the wrong kind says which the endpoint takes.
    pub(super) fn exchange(&self, api: &Api, request: &Request) -> Result<(api::Answer, Value)> {
        let token = self.bearer(request.bearer)?;
        // An answer came back to a request that changes something: however
        // unreadable, it was carried out (a resume must leave it alone).
        let changes = request.retry != api::Retry::Idempotent;
        let carried = |e: Error| match e {
            e if changes && e.unread_answer() => Error::Sent {
                failed: Box::new(e),
                answer: None,
            },
            e => e,
        };
        let answer = self
            .answer(api, request, token.as_deref())
            .map_err(carried)?;
        match judge(&request.label(), &answer, request.object) {
            Ok(json) => Ok((answer, json)),
            Err(e) => {
                let e = match (carried(e), request.bearer) {
                    (
                        Error::Api {
                            code,
                            message,
                            fields,
                        },
                        wanted @ (Bearer::Licensing | Bearer::Reporting),
                    ) if code == "invalid_scope" => Error::WrongToken {
                        wanted,
                        source: self.token_source(wanted),
                        failed: Box::new(Error::Api {
                            code,
                            message,
                            fields,
                        }),
                    },
                    (e, _) => e,
                };
                Err(named(e, answer.request_id))
            }
        }
    }
}

impl Executor {
    /// A fleet run waits out rate limits (see `throttle`); a single run
    /// answers as the scripts did.
    pub fn throttled(mut self, jobs: usize, max_wait: std::time::Duration) -> Executor {
        self.throttle = Some(throttle::Throttle::new(jobs, max_wait));
        self
    }

    /// The answer to one request: in a fleet run, a busy answer (429/503:
    /// not carried out) waits its turn again until `--max-wait`.
    fn answer(&self, api: &Api, request: &Request, bearer: Option<&str>) -> Result<api::Answer> {
        let Some(throttle) = &self.throttle else {
            return api.send(request, bearer);
        };
        let since = std::time::Instant::now();
        loop {
            let turn = throttle.turn()?;
            let answer = api.send_until_busy(request, bearer)?;
            drop(turn);
            if !api::retry::busy(&answer) {
                throttle.fine();
                return Ok(answer);
            }
            if !throttle.busy(api::retry::asked_wait(&answer), since) {
                return Ok(answer);
            }
        }
    }
}

/// A failure with the request id of the answer it came from (support asks
/// for it), when the answer carried one.
pub(super) fn named(e: Error, id: Option<String>) -> Error {
    match id {
        Some(id) => Error::RequestId {
            failed: Box::new(e),
            id,
        },
        None => e,
    }
}

/// Status answers for a site WordPress.com has no record of.
const UNKNOWN_SITE: &[&str] = &["invalid_blog", "unknown_blog"];

/// The answer with `"safe_mode": true` added at its top level (re-written:
/// the one exception to printing an answer verbatim, SPEC §9a).
fn mark_copy((body, json): (Vec<u8>, Value)) -> (Vec<u8>, Value) {
    match json {
        Value::Object(mut o) => {
            o.insert("safe_mode".into(), Value::Bool(true));
            let v = Value::Object(o);
            (v.to_string().into_bytes(), v)
        }
        other => (body, other),
    }
}

/// What a command produced.
pub enum Done {
    /// The API's answer, verbatim.
    Body(Vec<u8>),
    /// `--if-needed`: nothing was needed and nothing that changes anything
    /// was sent; the site's status.
    Unchanged(Value),
    /// `apply`: `changed`, `actions` and the `status` before.
    Applied(serde_json::Map<String, Value>),
    /// `--dry-run`: the requests it would have sent.
    DryRun(Value),
    /// Printed already, one line at a time as it came (`license issue`,
    /// `license list`).
    Printed,
}
