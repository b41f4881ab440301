//! Starting and stopping the service: its arguments, `server init`, `server`, `server --dev`,
//! and the files it keeps on disk.

mod args;
pub(crate) mod db_files;
pub(crate) mod dev_dir;
mod memory;
mod run;

pub use args::ServerArgs;
pub use run::main;
