//! Bindings of stairwell-core for phone apps (uniffi); built in the bindings issue.
