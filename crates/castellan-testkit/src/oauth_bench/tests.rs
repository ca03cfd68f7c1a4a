//! Smoke test of the benchmark: the whole code path (setup, signing loops, every HTTP
//! measurement) with 3 requests per measurement, all in flight at once, on both backends; every
//! request must answer 200.
//! It checks correctness only, never time.
use super::{Budget, all_rows, print_table, run};
use crate::TestApp;

async fn smoke(app: TestApp) {
    let figures = run(&app, Budget::Requests(3), 3, &all_rows())
        .await
        .expect("run");
    print_table("smoke", &figures);
    assert_eq!(figures.len(), 3 + 3 + 2 + 2, "{figures:?}");
    for f in &figures {
        assert_eq!(f.count, 3, "{} sent 3 timed requests: {f:?}", f.row.label());
        assert_eq!(
            f.ok,
            f.count,
            "{} answered 200 every time: {f:?}",
            f.row.label()
        );
        assert!(f.first_failure.is_none(), "{f:?}");
    }
}

crate::db_test!(oauth_bench_smoke, smoke);
