//! A small blocking connection pool shared by both backends.
//!
//! Connections are made lazily up to `max`; a caller that finds none idle waits for one to be
//! returned. A connection the backend reports as broken is dropped instead of returned.

use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::Result;

type Factory<C> = Box<dyn Fn() -> Result<C> + Send + Sync>;

pub(crate) struct Pool<C> {
    state: Mutex<State<C>>,
    returned: Condvar,
    max: usize,
    make: Factory<C>,
    healthy: fn(&C) -> bool,
}

struct State<C> {
    idle: Vec<C>,
    open: usize,
}

impl<C> Pool<C> {
    /// A pool holding `first` (already set up) that opens more with `make`, up to `max` in all.
    pub(crate) fn new(first: C, max: usize, make: Factory<C>, healthy: fn(&C) -> bool) -> Self {
        Pool {
            state: Mutex::new(State {
                idle: vec![first],
                open: 1,
            }),
            returned: Condvar::new(),
            max: max.max(1),
            make,
            healthy,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<C>> {
        // A panic while holding this lock cannot leave the state inconsistent (it is a Vec and a
        // counter updated together), so a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn get(&self) -> Result<Pooled<'_, C>> {
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                return Ok(Pooled {
                    pool: self,
                    conn: Some(conn),
                });
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match (self.make)() {
                    Ok(conn) => Ok(Pooled {
                        pool: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            state = self.returned.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A connection borrowed from the pool; returned when dropped.
pub(crate) struct Pooled<'a, C> {
    pool: &'a Pool<C>,
    conn: Option<C>,
}

impl<C> Deref for Pooled<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        match &self.conn {
            Some(c) => c,
            None => unreachable_conn(),
        }
    }
}

impl<C> DerefMut for Pooled<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        match &mut self.conn {
            Some(c) => c,
            None => unreachable_conn(),
        }
    }
}

#[allow(clippy::panic)] // `conn` is only taken in `drop`, so this cannot be reached.
fn unreachable_conn() -> ! {
    panic!("pooled connection used after return")
}

impl<C> Drop for Pooled<'_, C> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut state = self.pool.lock();
            if (self.pool.healthy)(&conn) {
                state.idle.push(conn);
            } else {
                state.open -= 1;
            }
            drop(state);
            self.pool.returned.notify_one();
        }
    }
}
