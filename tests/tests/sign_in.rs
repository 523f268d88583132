//! Password guessing against the console, through real sockets: 64
//! guessers in parallel at one account get a handful of answered guesses
//! (the rest are told to wait, 429 with `Retry-After`, without a password
//! check), the server's memory hardly moves, another account on the same
//! address still signs in, and a sign-in form's token works once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use stairwell_tests::console::{Demo, PASSWORD, Web, hidden};

const GUESSERS: usize = 64;
const FOR: Duration = Duration::from_secs(20);

#[test]
fn guessers_get_a_handful_of_answers_and_the_server_stays_small() {
    let demo = Demo::start();
    let before = demo.server.rss_kib();
    let answered = Arc::new(AtomicU32::new(0));
    let throttled = Arc::new(AtomicU32::new(0));
    let started = Instant::now();
    let guessers: Vec<_> = (0..GUESSERS)
        .map(|n| {
            let url = demo.url.clone();
            let (answered, throttled) = (answered.clone(), throttled.clone());
            std::thread::spawn(move || {
                let mut web = Web::new(&url);
                let mut peak = 0;
                while started.elapsed() < FOR {
                    let answer = web.login("zhou.office", &format!("guess-{n}-{peak}"));
                    match answer.status {
                        401 => answered.fetch_add(1, Ordering::SeqCst),
                        429 => {
                            assert!(answer.body.contains("try again"), "{}", answer.body);
                            throttled.fetch_add(1, Ordering::SeqCst)
                        }
                        other => panic!("unexpected {other}: {}", answer.body),
                    };
                    peak += 1;
                }
            })
        })
        .collect();
    let mut peak_rss = before;
    while started.elapsed() < FOR {
        peak_rss = peak_rss.max(demo.server.rss_kib());
        std::thread::sleep(Duration::from_millis(200));
    }
    for guesser in guessers {
        guesser.join().expect("a guesser");
    }
    let (answered, throttled) = (
        answered.load(Ordering::SeqCst),
        throttled.load(Ordering::SeqCst),
    );
    println!(
        "{GUESSERS} guessers for {} s: {answered} answered guesses, {throttled} told to wait; \
         server RSS {} MiB before, at most {} MiB during",
        FOR.as_secs(),
        before / 1024,
        peak_rss / 1024
    );
    // 3 free failures, then waits of 1, 2, 4, 8 s: about 7 in 20 s, about 9
    // in a minute.
    assert!(answered <= 10, "{answered} guesses answered in {FOR:?}");
    assert!(throttled > 0);
    assert!(
        peak_rss - before < 100 * 1024,
        "RSS rose by {} MiB",
        (peak_rss - before) / 1024
    );

    // The guessed account waits, even with its right password; another
    // account on the same address signs in.
    let mut web = Web::new(&demo.url);
    assert_eq!(web.login("zhou.office", PASSWORD).status, 429);
    assert_eq!(web.login("lin.desk", PASSWORD).status, 303);

    // A sign-in form's token is good once.
    let mut web = Web::new(&demo.url);
    let form = web.get("/login");
    let token = hidden(&form.body, "login_token");
    let post = |web: &mut Web| {
        web.post(
            "/login",
            &[
                ("login_token", token.as_str()),
                ("user", "chen.sup"),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        )
    };
    assert_eq!(post(&mut web).status, 303);
    assert_eq!(post(&mut web).status, 403, "a used sign-in token");
}
