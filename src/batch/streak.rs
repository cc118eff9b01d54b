//! A run that cannot succeed stops early (SPEC §9a): the same
//! credential-level error on 3 sites in a row, or `--max-consecutive-
//! failures` of any one error code in a row; no new site starts, and the
//! summary says why.

use crate::error::Error;

/// Credential errors in a row that stop a run: every later site would get
/// the same answer.
const CREDENTIAL_LIMIT: usize = 3;

/// Failures in a row with one error code.
pub struct Streak {
    /// `--max-consecutive-failures` (0: never).
    limit: usize,
    code: Option<String>,
    count: usize,
}

impl Streak {
    pub fn new(limit: usize) -> Streak {
        Streak {
            limit,
            code: None,
            count: 0,
        }
    }

    /// Count one finished site (`failure`: its error, if it failed); why
    /// the run should stop, once it should.
    pub fn note(&mut self, failure: Option<&Error>) -> Option<String> {
        let Some(e) = failure else {
            self.code = None;
            self.count = 0;
            return None;
        };
        let code = e.error_code();
        if self.code.as_deref() == Some(code) {
            self.count += 1;
        } else {
            self.code = Some(code.to_string());
            self.count = 1;
        }
        if e.is_credential_level() && self.count >= CREDENTIAL_LIMIT {
            return Some(format!(
                "{code} on {} sites in a row: check the credentials",
                self.count
            ));
        }
        (self.limit > 0 && self.count >= self.limit).then(|| {
            format!(
                "{code} on {} sites in a row (--max-consecutive-failures)",
                self.count
            )
        })
    }
}
