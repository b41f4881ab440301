//! Starting and stopping the service: its arguments, `server init`, `server`, `server --dev`,
//! and the files it keeps on disk.

mod args;
pub mod db_files;
pub mod dev_dir;
mod run;

pub use args::{InitArgs, ServerArgs, ServerCommand};
pub use run::main;
