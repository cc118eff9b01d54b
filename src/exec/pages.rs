//! Lists that come in pages (`license list`, the activations report): every
//! page read in turn, each item handed on as its page comes (nothing is
//! kept but a few page fingerprints), within bounds. An API whose pages
//! never end — a `total_pages` that grows with every page, pages past the
//! end that repeat the last one — stops with `invalid_response` after the
//! items before it, never loops.

use super::{named, Executor};
use crate::api::{Api, Request};
use crate::error::{Error, PageProblem, Result};
use crate::work::{Paging, Total};
use serde_json::Value;
use std::collections::VecDeque;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::time::{Duration, Instant};

/// No list of ours is longer (1 000 000 licenses at 100 a page).
pub const MAX_PAGES: u64 = 10_000;
/// Reading one list takes no longer than this.
pub const MAX_TIME: Duration = Duration::from_secs(3600);
/// Pages remembered to find one the API sends again.
const REMEMBERED: usize = 16;

impl Executor {
    /// [`pages`](Executor::pages) for a reader outside the executor (the
    /// audit's activations).
    pub fn each_page(
        &self,
        first: &Request,
        paging: Paging,
        each: impl FnMut(&Value) -> Result<()>,
    ) -> Result<u64> {
        self.pages(self.api()?, first, paging, each)
    }

    /// Every page of the list `first` asks for (its `page` query replaced
    /// page by page), `each` called on every item in order. The number of
    /// items.
    pub(super) fn pages(
        &self,
        api: &Api,
        first: &Request,
        paging: Paging,
        mut each: impl FnMut(&Value) -> Result<()>,
    ) -> Result<u64> {
        let mut pager = Pager::new(paging, Instant::now() + MAX_TIME);
        let mut page = 1;
        loop {
            let request = at_page(first, page);
            let (answer, json) = self.exchange(api, &request)?;
            let next = pager.take(page, &json).map_err(|why| {
                let e = Error::BadPage {
                    what: request.label(),
                    page,
                    why,
                };
                named(e, answer.request_id.clone())
            })?;
            for item in items(&json, paging).into_iter().flatten() {
                each(item)?;
            }
            match next {
                Some(n) => page = n,
                None => return Ok(pager.items),
            }
        }
    }
}

/// `request` asking for page `n`.
fn at_page(request: &Request, n: u64) -> Request {
    let mut r = request.clone();
    r.query.retain(|(k, _)| k != "page");
    r.query.push(("page".into(), n.to_string()));
    r
}

fn items(json: &Value, paging: Paging) -> Option<&Vec<Value>> {
    json.get(paging.items).and_then(Value::as_array)
}

/// Decides, page by page, whether there is a next one.
struct Pager {
    paging: Paging,
    deadline: Instant,
    /// Fingerprints of the last pages read, with their numbers.
    seen: VecDeque<(u64, u64)>,
    hasher: RandomState,
    items: u64,
}

impl Pager {
    fn new(paging: Paging, deadline: Instant) -> Pager {
        Pager {
            paging,
            deadline,
            seen: VecDeque::new(),
            hasher: RandomState::new(),
            items: 0,
        }
    }

    /// Page `page`'s answer read: the next page's number, None at the end,
    /// or why the list cannot be read on.
    fn take(&mut self, page: u64, json: &Value) -> std::result::Result<Option<u64>, PageProblem> {
        let Some(list) = items(json, self.paging) else {
            return Err(PageProblem::NoItems(self.paging.items));
        };
        // An empty page ends the list, whatever its total says.
        if list.is_empty() {
            return Ok(None);
        }
        let print = {
            let mut h = self.hasher.build_hasher();
            for item in list {
                item.to_string().hash(&mut h);
            }
            h.finish()
        };
        if let Some((earlier, _)) = self.seen.iter().find(|(_, p)| *p == print) {
            return Err(PageProblem::Repeats(*earlier));
        }
        if self.seen.len() == REMEMBERED {
            self.seen.pop_front();
        }
        self.seen.push_back((page, print));
        self.items += list.len() as u64;
        let per_page = self.paging.per_page.max(1);
        let more = match self.paging.total {
            Total::Pages(k) => json.get(k).and_then(Value::as_u64).map(|t| page < t),
            Total::Items(k) => json
                .get(k)
                .and_then(Value::as_u64)
                .map(|t| page.saturating_mul(per_page) < t),
        };
        // Without a total, a full page may have more after it.
        let more = more.unwrap_or(list.len() as u64 >= per_page);
        if !more {
            return Ok(None);
        }
        if page >= MAX_PAGES {
            return Err(PageProblem::TooMany(MAX_PAGES));
        }
        if Instant::now() > self.deadline {
            return Err(PageProblem::TooLong(MAX_TIME));
        }
        Ok(Some(page + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LICENSES: Paging = Paging {
        items: "items",
        total: Total::Pages("total_pages"),
        per_page: 2,
    };

    fn pager() -> Pager {
        Pager::new(LICENSES, Instant::now() + Duration::from_secs(60))
    }

    #[test]
    fn pages_follow_the_total_and_stop_at_an_empty_one() {
        let mut p = pager();
        let page = |ids: &[u64], total: u64| json!({"items": ids.iter().map(|i| json!({"license_id": i})).collect::<Vec<_>>(), "total_pages": total});
        assert_eq!(p.take(1, &page(&[1, 2], 3)), Ok(Some(2)));
        assert_eq!(p.take(2, &page(&[3, 4], 3)), Ok(Some(3)));
        assert_eq!(p.take(3, &page(&[5], 3)), Ok(None));
        assert_eq!(p.items, 5);
        assert_eq!(pager().take(1, &page(&[], 9)), Ok(None));
        assert_eq!(pager().take(1, &page(&[1, 2], 0)), Ok(None));
    }

    #[test]
    fn a_page_sent_again_or_a_list_past_the_bounds_stops() {
        let mut p = pager();
        let page = |ids: &[u64]| json!({"items": ids.iter().map(|i| json!({"license_id": i})).collect::<Vec<_>>(), "total_pages": 99});
        assert_eq!(p.take(1, &page(&[1, 2])), Ok(Some(2)));
        assert_eq!(p.take(2, &page(&[3, 4])), Ok(Some(3)));
        assert_eq!(p.take(3, &page(&[3, 4])), Err(PageProblem::Repeats(2)));
        let mut p = pager();
        assert_eq!(p.take(1, &page(&[1, 2])), Ok(Some(2)));
        assert_eq!(p.take(2, &page(&[3, 4])), Ok(Some(3)));
        assert_eq!(p.take(3, &page(&[1, 2])), Err(PageProblem::Repeats(1)));
        let endless = json!({"items": [{"license_id": 7}], "total_pages": MAX_PAGES + 1});
        assert_eq!(
            pager().take(MAX_PAGES, &endless),
            Err(PageProblem::TooMany(MAX_PAGES))
        );
        let mut late = Pager::new(LICENSES, Instant::now() - Duration::from_secs(1));
        assert_eq!(
            late.take(1, &page(&[1, 2])),
            Err(PageProblem::TooLong(MAX_TIME))
        );
        assert_eq!(
            pager().take(1, &json!({"total_pages": 2})),
            Err(PageProblem::NoItems("items"))
        );
    }

    #[test]
    fn a_total_of_items_or_none_at_all() {
        let report = Paging {
            items: "activations",
            total: Total::Items("total"),
            per_page: 2,
        };
        let mut p = Pager::new(report, Instant::now() + Duration::from_secs(60));
        let page = |ids: &[u64]| json!({"activations": ids.iter().map(|i| json!({"id": i})).collect::<Vec<_>>(), "total": 3});
        assert_eq!(p.take(1, &page(&[1, 2])), Ok(Some(2)));
        assert_eq!(p.take(2, &page(&[3])), Ok(None));
        let mut p = pager();
        assert_eq!(p.take(1, &json!({"items": [1, 2]})), Ok(Some(2)));
        assert_eq!(p.take(2, &json!({"items": [3]})), Ok(None));
    }
}
