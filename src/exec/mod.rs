//! The one executor: the partner token (fetched once, early or late), the
//! `--dry-run` rendering, sending a command's steps and judging each answer,
//! and the authorize step. Commands only build plans; everything that
//! reaches the network goes through here.

use crate::api::{self, judge, Api, Request};
use crate::endpoints;
use crate::error::{Error, NetCause, Result};
use crate::job::{Auth, Settings, SiteJob};
use crate::output;
use crate::site::Resolver;
use crate::work::{self, Step, Work};
use serde_json::Value;
use std::sync::{Mutex, OnceLock};

mod steps;

use steps::narrow;

pub struct Executor {
    settings: Settings,
    /// None: the command sends nothing that takes the partner token.
    auth: Option<Auth>,
    api: OnceLock<Api>,
    /// The partner token, once fetched: one per run, however many sites.
    token: Mutex<Option<String>>,
}

impl Executor {
    pub fn new(settings: Settings, auth: Option<Auth>) -> Executor {
        Executor {
            settings,
            auth,
            api: OnceLock::new(),
            token: Mutex::new(None),
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
            _ => self.fetch_token()?.0,
        };
        *slot = Some(token.clone());
        Ok(token)
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
            let token = s.spawn(|| self.token());
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
        let token = self.token_request().filter(|_| work.needs_token());
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
            return Ok(Done::DryRun(self.describe(&work)));
        }
        self.perform(work)
    }

    /// One site, from its flags to its answer: find the site (fetching the
    /// token meanwhile where the command allows), then send its steps. In
    /// a batch the token is already there and this only adds the site.
    pub fn site(&self, job: &SiteJob) -> Result<Done> {
        let resolver = Resolver::new(&job.site, job.action.need(self.dry_run()))?;
        let resolve = || resolver.resolve().map(|site| job.action.steps(&site));
        if self.dry_run() {
            let work = resolve()?;
            if !work.reads_in_dry_run() {
                return Ok(Done::DryRun(self.describe(&work)));
            }
            return self.perform(work);
        }
        let work = if job.action.token_while_wordpress_boots() {
            self.token_while(resolve)?
        } else {
            let work = resolve()?;
            self.token()?;
            work
        };
        self.perform(work)
    }

    /// Send the steps (with the token where they take it): the answer that
    /// is the command's answer, or, when `--if-needed` found nothing to do,
    /// the unchanged document.
    fn perform(&self, work: Work) -> Result<Done> {
        let token = if work.needs_token() {
            self.token()?
        } else {
            String::new()
        };
        let api = self.api()?;
        let mut answer: Option<(Vec<u8>, Value)> = None;
        for step in work.steps {
            match step {
                Step::RequirePlan { request, plan } => {
                    let paths = self.send(api, &request, &token)?;
                    work::check_plan(&plan, &paths.1)?;
                }
                Step::Send(request) => answer = Some(self.send(api, &request, &token)?),
                Step::Each(calls) => answer = Some(self.each(api, calls, &token)?),
                Step::Narrow { code } => {
                    let catalogue = answer.as_ref().map(|(_, json)| json);
                    answer = Some(narrow(catalogue, &code)?);
                }
                Step::Reconcile(r) => return self.reconcile(api, *r, &token),
                Step::Unless { status, needless } => {
                    let status = self.status(api, &status, &token)?;
                    if needless.holds(&status) {
                        return Ok(Done::Unchanged(status));
                    }
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

    /// A site's status; a site WordPress.com does not know has nothing.
    pub(super) fn status(&self, api: &Api, request: &Request, token: &str) -> Result<Value> {
        match self.send(api, request, token) {
            Ok((_, json)) => Ok(json),
            Err(Error::Api { code, .. }) if UNKNOWN_SITE.contains(&code.as_str()) => {
                Ok(serde_json::json!({ "products": [] }))
            }
            Err(e) => Err(e),
        }
    }

    /// Send one request with the token and judge its answer.
    pub(super) fn send(
        &self,
        api: &Api,
        request: &Request,
        token: &str,
    ) -> Result<(Vec<u8>, Value)> {
        let bearer = request.bearer.then_some(token);
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
        let answer = api.send(request, bearer).map_err(carried)?;
        let json = judge(&request.label(), &answer, request.object).map_err(carried)?;
        Ok((answer.body, json))
    }
}

/// Status answers for a site WordPress.com has no record of.
const UNKNOWN_SITE: &[&str] = &["invalid_blog", "unknown_blog"];

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
}
