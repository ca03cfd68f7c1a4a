//! The page benchmark (`castellan-page-bench`): seeds a database with many users, events,
//! applications, groups, tokens and sessions, logs a superuser in through the default
//! authentication flow, then times every web page and two API lists in process through the
//! router. It reports figures and asserts nothing about time; the smoke test below keeps the
//! code working with tiny numbers.
pub mod bulk;
pub mod events;
pub mod measure;
pub mod owned;
pub mod seed;

pub use measure::{PageFigure, Session, login, measure_pages, pages, print_table};
pub use seed::{SeedCounts, Seeded, counts, seed};

/// What to seed and how often to request each page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Users besides `akadmin`.
    pub users: usize,
    /// Audit events.
    pub events: usize,
    /// Applications.
    pub applications: usize,
    /// Groups (besides `authentik Admins`).
    pub groups: usize,
    /// Timed requests per page (after one untimed warm-up request).
    pub repeat: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            users: 10_000,
            events: 100_000,
            applications: 50,
            groups: 20,
            repeat: 20,
        }
    }
}

/// A small deterministic generator (splitmix64): seeded data is the same on every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// An index into a slice of `len` items.
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// `true` with probability `percent` %.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_is_deterministic_and_bounded() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        for _ in 0..1000 {
            let x = a.below(10);
            assert_eq!(x, b.below(10));
            assert!(x < 10);
        }
        assert_eq!(Rng::new(1).below(0), 0);
    }

    async fn smoke(app: crate::TestApp) {
        let opts = Options {
            users: 50,
            events: 200,
            applications: 5,
            groups: 3,
            repeat: 1,
        };
        let seeded = seed(&app, &opts).await.expect("seed");
        let c = counts(&app).await.expect("counts");
        assert_eq!(c.users, 51, "50 seeded users and akadmin");
        assert_eq!(c.events as usize, 200 + seeded.events_before);
        assert_eq!(c.groups, 4, "3 seeded groups and authentik Admins");
        assert_eq!(c.applications, 5);
        assert!(c.admin_tokens >= 1 && c.admin_sessions >= 1);
        let session = login(&app).await.expect("login");
        let figures = measure_pages(&app, &session, &pages(&seeded), opts.repeat).await;
        let ok: Vec<&str> = figures
            .iter()
            .filter(|f| f.status == 200)
            .map(|f| f.path.as_str())
            .collect();
        for page in [
            "/if/flow/default-authentication-flow/",
            "/if/user/",
            "/if/user/settings/",
            "/if/user/sessions/",
            "/if/user/consents/",
            "/if/user/tokens/",
            "/api/v3/core/users/?page_size=20",
            "/api/v3/events/events/?page_size=20&ordering=-created",
        ] {
            assert!(ok.contains(&page), "{page} did not answer 200: {figures:?}");
        }
        assert!(figures.iter().all(|f| f.status != 500), "{figures:?}");
        print_table("smoke", &figures);
    }

    crate::db_test!(page_bench_smoke, smoke);
}
