//! The one executor: the partner token (fetched once, early or late), the
//! `--dry-run` rendering, sending a command's steps and judging each answer,
//! and the authorize step. Commands only build plans; everything that
//! reaches the network goes through here.

use crate::api::{self, judge, Api, Request};
use crate::endpoints;
use crate::error::{Error, NetCause, Result};
use crate::output;
use crate::plan::{Credentials, Settings, SiteJob};
use crate::site::Resolver;
use crate::work::{self, Step, Work};
use serde_json::Value;
use std::sync::{Mutex, OnceLock};

pub struct Executor {
    settings: Settings,
    creds: Credentials,
    api: OnceLock<Api>,
    /// The partner token, once fetched: one per run, however many sites.
    token: Mutex<Option<String>>,
}

impl Executor {
    pub fn new(settings: Settings, creds: Credentials) -> Executor {
        Executor {
            settings,
            creds,
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

    /// The partner token: fetched on first use, then reused. Concurrent
    /// callers wait for the one request.
    pub fn token(&self) -> Result<String> {
        let mut slot = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = slot.as_ref() {
            return Ok(t.clone());
        }
        let request = endpoints::token(&self.creds.client_id, &self.creds.client_secret);
        let answer = self.api()?.send(&request, None)?;
        // Whatever the verdict, a token in the answer is a secret from now
        // on: a failed answer's fields end up in the error object.
        if let Ok(v) = serde_json::from_slice::<Value>(&answer.body) {
            if let Some(t) = v.get("access_token").and_then(Value::as_str) {
                output::register_secret(t);
            }
        }
        let token = api::token_from(&answer)?;
        *slot = Some(token.clone());
        Ok(token)
    }

    /// Get the token while `work` (asking WordPress) runs, so the wall time
    /// is the longer of the two, not their sum.
    fn token_while<T>(&self, work: impl FnOnce() -> Result<T>) -> Result<T> {
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
        let token = endpoints::token(&self.creds.client_id, &self.creds.client_secret);
        let list = std::iter::once(&token)
            .chain(work.requests())
            .map(|r| r.describe(&self.settings.base))
            .collect();
        serde_json::json!({ "dry_run": true, "requests": Value::Array(list) })
    }

    /// A command without a site (partner-key new, verify): its one request.
    pub fn plain(&self, request: Request) -> Result<Done> {
        let work = Work::send(request);
        if self.dry_run() {
            return Ok(Done::DryRun(self.describe(&work)));
        }
        self.token()?;
        self.perform(work).map(Done::Body)
    }

    /// One site, from its flags to its answer: find the site (fetching the
    /// token meanwhile where the command allows), then send its steps. In
    /// a batch the token is already there and this only adds the site.
    pub fn site(&self, job: &SiteJob) -> Result<Done> {
        let resolver = Resolver::new(&job.site, work::need(job, self.dry_run()))?;
        let resolve = || resolver.resolve().map(|site| work::steps(job, &site));
        if self.dry_run() {
            return Ok(Done::DryRun(self.describe(&resolve()?)));
        }
        let work = if work::token_while_wordpress_boots(job) {
            self.token_while(resolve)?
        } else {
            let work = resolve()?;
            self.token()?;
            work
        };
        self.perform(work).map(Done::Body)
    }

    /// Send the steps with the token; the body of the answer that is the
    /// command's answer.
    fn perform(&self, work: Work) -> Result<Vec<u8>> {
        let token = self.token()?;
        let api = self.api()?;
        let mut answer: Option<(Vec<u8>, Value)> = None;
        for step in work.steps {
            match step {
                Step::RequirePlan { request, plan } => {
                    let paths = self.send(api, &request, &token)?;
                    work::check_plan(&plan, &paths.1)?;
                }
                Step::Send(request) => answer = Some(self.send(api, &request, &token)?),
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
                        output::register_secret(t);
                        wp.authorize_user(&user, t)?;
                    }
                }
            }
        }
        Ok(answer.map(|(body, _)| body).unwrap_or_default())
    }

    /// Send one request with the token and judge its answer.
    fn send(&self, api: &Api, request: &Request, token: &str) -> Result<(Vec<u8>, Value)> {
        let bearer = request.bearer.then_some(token);
        let answer = api.send(request, bearer)?;
        let json = judge(&request.label(), &answer, request.object)?;
        Ok((answer.body, json))
    }
}

/// What a command produced.
pub enum Done {
    /// The API's answer, verbatim.
    Body(Vec<u8>),
    /// `--dry-run`: the requests it would have sent.
    DryRun(Value),
}
