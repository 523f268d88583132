//! What stands between a password guesser and the password checks: failed
//! sign-ins back off per account and per client address (a few free tries,
//! then a wait that doubles with each further failure, up to 15 minutes);
//! at most two argon2 checks run at once (each takes ~19 MiB) with a short
//! queue, past which the answer is "busy, retry after"; and the sign-in
//! form's tokens are single use and expire in 10 minutes. The throttle
//! counts an account name whether or not it exists, so its answers never
//! tell which do. The checks run on two threads of their own: argon2's
//! 19 MiB stays in those threads' memory instead of one more arena of the
//! runtime's many blocking threads after every check. State is in memory,
//! per server process.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit, oneshot};

use super::password;

/// Failures an account may have before it must wait.
const FREE_ACCOUNT_FAILURES: u32 = 3;
/// Failures one client address may have, over all accounts, before it waits.
const FREE_ADDRESS_FAILURES: u32 = 10;
/// The first wait; each further failure doubles it.
const FIRST_WAIT: Duration = Duration::from_secs(1);
/// The longest wait.
const LONGEST_WAIT: Duration = Duration::from_secs(15 * 60);
/// Password checks at once, and how many may wait for one.
const CHECKS_AT_ONCE: usize = 2;
const CHECKS_WAITING: usize = 8;
/// How long a sign-in form's token is good.
pub const LOGIN_TOKEN_TTL: Duration = Duration::from_secs(10 * 60);
/// Entries kept at most in each table; the oldest are dropped past it.
const MAX_ENTRIES: usize = 100_000;

/// Failures of one account or address, and until when it must wait.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    wait_until: Instant,
    last: Instant,
}

/// The sign-in guard of one server process.
#[derive(Debug)]
pub struct SignIn {
    accounts: Mutex<HashMap<String, Failures>>,
    addresses: Mutex<HashMap<IpAddr, Failures>>,
    login_tokens: Mutex<HashMap<String, Instant>>,
    checks: Semaphore,
    waiting: AtomicUsize,
    checkers: Mutex<mpsc::Sender<Check>>,
}

/// One password check for a checker thread.
struct Check {
    password: String,
    stored: Option<String>,
    answer: oneshot::Sender<bool>,
}

impl Default for SignIn {
    fn default() -> Self {
        SignIn {
            accounts: Mutex::default(),
            addresses: Mutex::default(),
            login_tokens: Mutex::default(),
            checks: Semaphore::new(CHECKS_AT_ONCE),
            waiting: AtomicUsize::new(0),
            checkers: Mutex::new(start_checkers()),
        }
    }
}

/// The checker threads; they end when the guard, and so the sender, goes.
fn start_checkers() -> mpsc::Sender<Check> {
    let (sender, receiver) = mpsc::channel::<Check>();
    let receiver = Arc::new(Mutex::new(receiver));
    for n in 0..CHECKS_AT_ONCE {
        let receiver = receiver.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("stairwell-password-{n}"))
            .spawn(move || {
                let mut verifier = password::Verifier::default();
                loop {
                    let next = lock(&receiver).recv();
                    let Ok(check) = next else { break };
                    let matches = verifier.verify(&check.password, check.stored.as_deref());
                    let _ = check.answer.send(matches);
                }
            });
        if let Err(err) = spawned {
            tracing::error!(error = %err, "cannot start a password checker");
        }
    }
    sender
}

/// Why a sign-in is not checked now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many failures: try again after this long.
    Wait(Duration),
    /// Too many checks at once: try again shortly.
    Busy,
}

impl SignIn {
    /// Whether `account` may be tried from `address` now.
    pub fn may_try(&self, account: &str, address: IpAddr, now: Instant) -> Result<(), Refusal> {
        let waits = [
            lock(&self.accounts).get(account).map(|f| f.wait_until),
            lock(&self.addresses).get(&address).map(|f| f.wait_until),
        ];
        match waits.into_iter().flatten().max() {
            Some(until) if until > now => Err(Refusal::Wait(until - now)),
            _ => Ok(()),
        }
    }

    /// A failed sign-in: both the account and the address back off.
    pub fn failed(&self, account: &str, address: IpAddr, now: Instant) {
        record(
            &mut lock(&self.accounts),
            account.to_owned(),
            FREE_ACCOUNT_FAILURES,
            now,
        );
        record(
            &mut lock(&self.addresses),
            address,
            FREE_ADDRESS_FAILURES,
            now,
        );
    }

    /// A successful sign-in forgets the account's failures.
    pub fn succeeded(&self, account: &str) {
        lock(&self.accounts).remove(account);
    }

    /// A place among the password checks, or `Busy` when the queue is full.
    pub async fn check_slot(&self) -> Result<SemaphorePermit<'_>, Refusal> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= CHECKS_AT_ONCE + CHECKS_WAITING {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Refusal::Busy);
        }
        let permit = self.checks.acquire().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        permit.map_err(|_| Refusal::Busy)
    }

    /// Whether `password` matches `stored` (an unknown user: `None`, at the
    /// same cost), checked on the checker threads. Hold a
    /// [`SignIn::check_slot`] while waiting for it.
    pub async fn verify(&self, password: String, stored: Option<String>) -> bool {
        let (answer, answered) = oneshot::channel();
        let check = Check {
            password,
            stored,
            answer,
        };
        if lock(&self.checkers).send(check).is_err() {
            return false;
        }
        answered.await.unwrap_or(false)
    }

    /// Keeps a new sign-in form's token.
    pub fn issue_login_token(&self, token: &str, now: Instant) {
        let mut tokens = lock(&self.login_tokens);
        tokens.retain(|_, issued| now.duration_since(*issued) < LOGIN_TOKEN_TTL);
        if tokens.len() >= MAX_ENTRIES {
            return;
        }
        tokens.insert(token.to_owned(), now);
    }

    /// Uses up a sign-in form's token: true once, within its time.
    pub fn redeem_login_token(&self, token: &str, now: Instant) -> bool {
        lock(&self.login_tokens)
            .remove(token)
            .is_some_and(|issued| now.duration_since(issued) < LOGIN_TOKEN_TTL)
    }
}

/// Counts one failure of `key`; past `free` failures the wait doubles.
fn record<K: std::hash::Hash + Eq>(
    table: &mut HashMap<K, Failures>,
    key: K,
    free: u32,
    now: Instant,
) {
    if table.len() >= MAX_ENTRIES {
        // Forget those not heard of for longest: an attacker filling the
        // table with names only frees the oldest entries.
        table.retain(|_, failures| now.duration_since(failures.last) < LONGEST_WAIT);
    }
    let failures = table.entry(key).or_insert(Failures {
        count: 0,
        wait_until: now,
        last: now,
    });
    failures.count += 1;
    failures.last = now;
    if failures.count > free {
        failures.wait_until = now + wait_after(failures.count - free);
    }
}

/// The wait after the `n`th failure past the free ones: 1 s, 2 s, 4 s...
fn wait_after(n: u32) -> Duration {
    let doubled = FIRST_WAIT.saturating_mul(1u32 << (n - 1).min(20));
    doubled.min(LONGEST_WAIT)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves a table that is still whole.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_past_the_free_ones_wait_longer_each_time() {
        let guard = SignIn::default();
        let address: IpAddr = "127.0.0.1".parse().expect("ip");
        let start = Instant::now();
        for _ in 0..FREE_ACCOUNT_FAILURES {
            assert_eq!(guard.may_try("zhou", address, start), Ok(()));
            guard.failed("zhou", address, start);
        }
        assert_eq!(guard.may_try("zhou", address, start), Ok(()));
        guard.failed("zhou", address, start);
        assert_eq!(
            guard.may_try("zhou", address, start),
            Err(Refusal::Wait(Duration::from_secs(1)))
        );
        let later = start + Duration::from_secs(1);
        assert_eq!(guard.may_try("zhou", address, later), Ok(()));
        guard.failed("zhou", address, later);
        assert_eq!(
            guard.may_try("zhou", address, later),
            Err(Refusal::Wait(Duration::from_secs(2)))
        );
        assert_eq!(
            guard.may_try("lin", address, later),
            Ok(()),
            "another account"
        );
        guard.succeeded("zhou");
        assert_eq!(guard.may_try("zhou", address, later), Ok(()));
        assert_eq!(wait_after(100), LONGEST_WAIT);
    }

    #[test]
    fn a_login_token_works_once_and_not_after_it_expires() {
        let guard = SignIn::default();
        let now = Instant::now();
        guard.issue_login_token("a", now);
        assert!(guard.redeem_login_token("a", now));
        assert!(!guard.redeem_login_token("a", now), "used");
        guard.issue_login_token("b", now);
        assert!(
            !guard.redeem_login_token("b", now + LOGIN_TOKEN_TTL),
            "expired"
        );
        assert!(!guard.redeem_login_token("never", now));
    }
}
