//! Running belco-panel, the real binary: started with good and bad settings and stopped
//! (`startup`), its logs (`logs`), its metrics (`metrics`), the inspector of Belco's calls
//! (`inspector`), the doctor (`doctor`), the nginx recipe in front of it (`deployment`), killed
//! with writes in flight, backed up under load and run as two instances (`resilience`), and under
//! load (`load`).

mod deployment;
mod doctor;
mod inspector;
mod load;
mod logs;
mod metrics;
mod resilience;
mod startup;
