//! What stands between a password guesser and the password checks: failed
//! sign-ins back off per account and per client address (a few free tries,
//! then a wait that doubles with each further failure, up to 15 minutes);
//! at most two argon2 checks run at once (each takes ~19 MiB) with a short
//! queue, past which the answer is "busy, retry after"; and the sign-in
//! form's tokens are single use and expire in 10 minutes. The throttle
//! counts an account name whether or not it exists, so its answers never
//! tell which do. The checks run on two threads of their own: argon2's
//! 19 MiB stays in those threads' memory instead of one more arena of the
//! runtime's many blocking threads after every check. The counters and the
//! form tokens are kept by the storage ([`crate::store::guards`]), so
//! every server sharing it counts the same failures and takes a form
//! fetched from another; only the check threads are per process.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, SemaphorePermit, oneshot};

use super::{password, token_hash};
use crate::store::{Storage, StorageError};

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

/// The sign-in guard: shared counters and tokens, this process's checks.
#[derive(Debug)]
pub struct SignIn {
    storage: Arc<dyn Storage>,
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

impl SignIn {
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        SignIn {
            storage,
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
    /// Whether `account` may be tried from `address` now. A failure to
    /// read the counters refuses (as busy) rather than let a guess through.
    pub async fn may_try(&self, account: &str, address: IpAddr) -> Result<(), Refusal> {
        let keys = vec![account_key(account), address_key(address)];
        let now = Utc::now();
        let until = self
            .shared(move |storage| storage.guards().waiting_until(&keys, now))
            .await
            .map_err(|_| Refusal::Busy)?;
        match until {
            Some(until) => Err(Refusal::Wait((until - now).to_std().unwrap_or(FIRST_WAIT))),
            None => Ok(()),
        }
    }

    /// A failed sign-in: both the account and the address back off.
    pub async fn failed(&self, account: &str, address: IpAddr) {
        let (account, address) = (account_key(account), address_key(address));
        let forget = chrono::Duration::from_std(LONGEST_WAIT).unwrap_or_default();
        let now = Utc::now();
        let counted = self
            .shared(move |storage| {
                let guards = storage.guards();
                guards.add_failure(&account, now, forget, &|n| wait(n, FREE_ACCOUNT_FAILURES))?;
                guards.add_failure(&address, now, forget, &|n| wait(n, FREE_ADDRESS_FAILURES))
            })
            .await;
        if let Err(err) = counted {
            tracing::error!(error = %err, "a failed sign-in could not be counted");
        }
    }

    /// A successful sign-in forgets the account's failures.
    pub async fn succeeded(&self, account: &str) {
        let key = account_key(account);
        if let Err(err) = self
            .shared(move |storage| storage.guards().clear_failures(&key))
            .await
        {
            tracing::warn!(error = %err, "a sign-in's earlier failures could not be forgotten");
        }
    }

    /// Runs blocking storage work off the async runtime.
    async fn shared<T: Send + 'static>(
        &self,
        work: impl FnOnce(&dyn Storage) -> Result<T, StorageError> + Send + 'static,
    ) -> Result<T, StorageError> {
        let storage = self.storage.clone();
        tokio::task::spawn_blocking(move || work(&*storage))
            .await
            .map_err(|err| StorageError::Backend(Box::new(err)))?
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

    /// Keeps a new sign-in form's token (its hash), good for
    /// [`LOGIN_TOKEN_TTL`].
    pub async fn issue_login_token(&self, token: &str) -> Result<(), StorageError> {
        let (hash, expires) = (token_hash(token), expiry(Utc::now()));
        self.shared(move |storage| storage.guards().put_once(&hash, "", expires))
            .await
    }

    /// Uses up a sign-in form's token: true once, within its time.
    pub async fn redeem_login_token(&self, token: &str) -> bool {
        let hash = token_hash(token);
        let now = Utc::now();
        self.shared(move |storage| storage.guards().take_once(&hash, now))
            .await
            .is_ok_and(|found| found.is_some())
    }
}

fn expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::from_std(LOGIN_TOKEN_TTL).unwrap_or_default()
}

fn account_key(account: &str) -> String {
    format!("account:{account}")
}

fn address_key(address: IpAddr) -> String {
    format!("address:{address}")
}

/// The wait after the `n`th failure, when `free` failures cost nothing.
fn wait(n: u32, free: u32) -> chrono::Duration {
    let wait = if n > free {
        wait_after(n - free)
    } else {
        Duration::ZERO
    };
    chrono::Duration::from_std(wait).unwrap_or_default()
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
    use crate::store::SqliteStorage;

    fn guard() -> (tempfile::TempDir, SignIn) {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage = Arc::new(SqliteStorage::open(dir.path()).expect("open"));
        (dir, SignIn::new(storage))
    }

    fn waits(refused: Result<(), Refusal>) -> Option<Duration> {
        match refused {
            Err(Refusal::Wait(wait)) => Some(wait),
            _ => None,
        }
    }

    #[tokio::test]
    async fn failures_past_the_free_ones_wait_longer_each_time() {
        let (_dir, guard) = guard();
        let address: IpAddr = "127.0.0.1".parse().expect("ip");
        for _ in 0..FREE_ACCOUNT_FAILURES {
            assert_eq!(guard.may_try("zhou", address).await, Ok(()));
            guard.failed("zhou", address).await;
        }
        assert_eq!(guard.may_try("zhou", address).await, Ok(()));
        guard.failed("zhou", address).await;
        let first = waits(guard.may_try("zhou", address).await).expect("waits");
        assert!(first <= Duration::from_secs(1) && first > Duration::from_millis(500));
        assert_eq!(
            guard.may_try("lin", address).await,
            Ok(()),
            "another account"
        );
        guard.succeeded("zhou").await;
        assert_eq!(guard.may_try("zhou", address).await, Ok(()));
        assert_eq!(wait_after(100), LONGEST_WAIT);
        assert_eq!(wait(5, 3), chrono::Duration::seconds(2));
        assert_eq!(wait(3, 3), chrono::Duration::zero());
    }

    #[tokio::test]
    async fn a_login_token_works_once() {
        let (_dir, guard) = guard();
        guard.issue_login_token("a").await.expect("issue");
        assert!(guard.redeem_login_token("a").await);
        assert!(!guard.redeem_login_token("a").await, "used");
        assert!(!guard.redeem_login_token("never").await);
    }
}
