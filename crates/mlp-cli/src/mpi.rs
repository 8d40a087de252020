//! `mpirun -np N mlp train ...`: training on the N processes of an MPI job (cargo feature
//! `mpi`), with the model bytes of one process (see the library's `mlp::peers`).
//!
//! MPI starts only when the program was launched by an MPI launcher (mpirun, mpiexec, Slurm's
//! srun), which says so in the environment; otherwise the program runs exactly as the build
//! without the feature does. Every process reads the whole data and prepares it the same way;
//! process 0 alone prints and writes files.

use anyhow::Result;
use mlp::Peers;
use std::sync::Arc;

/// The number of processes of the MPI job this process was launched in, from the launcher's
/// environment (OpenMPI's mpirun, a PMIx or a PMI launcher such as srun); `None`: not launched
/// by one.
pub fn launched_size() -> Option<usize> {
    ["OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.trim().parse().ok())
        .or_else(|| std::env::var_os("PMIX_RANK").map(|_| 1))
}

/// The processes of this node in the job (several share its cores), from OpenMPI's
/// environment; 1 when it does not say.
pub fn local_size() -> usize {
    std::env::var("OMPI_COMM_WORLD_LOCAL_SIZE")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(1)
}

#[cfg(feature = "mpi")]
mod job {
    use super::{Arc, Peers, Result};
    use mpi::Threading;
    use mpi::topology::SimpleCommunicator;
    use mpi::traits::{Communicator, CommunicatorCollectives, Destination, Root, Source};

    /// This process's place in a running MPI job; MPI ends when it is dropped.
    pub struct Job {
        _universe: mpi::environment::Universe,
        rank: usize,
        size: usize,
    }

    impl Job {
        /// Starts MPI when launched by an MPI launcher; `None` otherwise.
        pub fn start() -> Result<Option<Job>> {
            if super::launched_size().is_none() {
                return Ok(None);
            }
            // The passes call MPI from a thread of rayon's pool, one call at a time.
            let Some((universe, threading)) = mpi::initialize_with_threading(Threading::Serialized)
            else {
                anyhow::bail!("MPI could not be started");
            };
            if !matches!(threading, Threading::Serialized | Threading::Multiple) {
                anyhow::bail!(
                    "this MPI library does not allow calls from several threads, one at a time (MPI_THREAD_SERIALIZED)"
                );
            }
            let world = universe.world();
            let (rank, size) = (world.rank(), world.size());
            Ok(Some(Job {
                _universe: universe,
                rank: usize::try_from(rank)?,
                size: usize::try_from(size)?,
            }))
        }

        /// This process's number, from 0.
        pub fn rank(&self) -> usize {
            self.rank
        }

        /// The processes of the job, for the library's passes.
        pub fn peers(&self) -> Arc<dyn Peers> {
            Arc::new(World {
                rank: self.rank,
                size: self.size,
            })
        }

        /// Waits until every process gets here.
        pub fn barrier(&self) {
            SimpleCommunicator::world().barrier();
        }
    }

    /// MPI_COMM_WORLD as the library's [`Peers`]. MPI's errors abort the job (its default
    /// error handler), so the operations return only when done.
    struct World {
        rank: usize,
        size: usize,
    }

    /// Ranks are below the job's size, an `i32` in MPI.
    fn rank_of(r: usize) -> i32 {
        i32::try_from(r).unwrap_or(i32::MAX)
    }

    impl Peers for World {
        fn rank(&self) -> usize {
            self.rank
        }
        fn size(&self) -> usize {
            self.size
        }
        fn send_next(&self, bytes: &[u8]) {
            let world = SimpleCommunicator::world();
            world.process_at_rank(rank_of(self.rank + 1)).send(bytes);
        }
        fn receive_previous(&self, bytes: &mut [u8]) {
            let world = SimpleCommunicator::world();
            world
                .process_at_rank(rank_of(self.rank - 1))
                .receive_into(bytes);
        }
        fn broadcast_from_last(&self, bytes: &mut [u8]) {
            let world = SimpleCommunicator::world();
            world
                .process_at_rank(rank_of(self.size - 1))
                .broadcast_into(bytes);
        }
    }
}

#[cfg(not(feature = "mpi"))]
mod job {
    use super::{Arc, Peers, Result};

    /// Never made: this build has no MPI.
    pub enum Job {}

    impl Job {
        /// Refuses to run as one of several processes of an MPI job: each would train alone.
        pub fn start() -> Result<Option<Job>> {
            match super::launched_size() {
                Some(n) if n > 1 => anyhow::bail!(
                    "this mlp was built without MPI (cargo feature \"mpi\"): each of the {n} processes would train alone"
                ),
                _ => Ok(None),
            }
        }
        pub fn rank(&self) -> usize {
            match *self {}
        }
        pub fn peers(&self) -> Arc<dyn Peers> {
            match *self {}
        }
        pub fn barrier(&self) {
            match *self {}
        }
    }
}

pub use job::Job;
