//! The process's open-file limit, raised to what the system allows before
//! the server listens: every connection is a file descriptor, and under a
//! common default of 1,024 a few hundred idle sockets would otherwise make
//! `accept` fail for everyone. The connection cap is derived from it.

use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};

/// Descriptors kept for everything that is not a client connection: the
/// database and its journals, blob files being read or written, upgraded
/// WebSockets, logs.
pub const RESERVED: u64 = 128;

/// The limit before and after raising it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenFiles {
    pub was: Option<u64>,
    pub now: Option<u64>,
}

impl OpenFiles {
    /// Connections that fit under the limit besides [`RESERVED`], at most
    /// `wanted`.
    pub fn connection_cap(&self, wanted: usize) -> usize {
        let Some(now) = self.now else {
            return wanted;
        };
        let room = usize::try_from(now.saturating_sub(RESERVED).max(16)).unwrap_or(usize::MAX);
        wanted.min(room)
    }
}

/// Raises the soft limit to the hard one.
pub fn raise() -> OpenFiles {
    let limit = getrlimit(Resource::Nofile);
    if limit.current == limit.maximum {
        return OpenFiles {
            was: limit.current,
            now: limit.current,
        };
    }
    let raised = Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => OpenFiles {
            was: limit.current,
            now: limit.maximum,
        },
        Err(err) => {
            tracing::warn!(%err, "could not raise the open-file limit");
            OpenFiles {
                was: limit.current,
                now: limit.current,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_leaves_room_for_the_servers_own_files() {
        let files = |now| OpenFiles { was: now, now };
        assert_eq!(files(Some(1024)).connection_cap(4096), 896);
        assert_eq!(files(Some(1 << 20)).connection_cap(4096), 4096);
        assert_eq!(files(None).connection_cap(4096), 4096);
        assert_eq!(files(Some(64)).connection_cap(4096), 16);
    }
}
