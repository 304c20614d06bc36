//! The MasterInfo this master announces (to the detector, `/state`, agents).

use flags::MasterFlags;
use libprocess::Runtime;
use proto::mesos::{Address, MasterInfo, master_info};

/// Built as Mesos builds it: a random id; `ip` as the raw IPv4 `s_addr`
/// (network byte order read as a host integer, so 127.0.0.1 is 16777343 on
/// the little-endian machines Mesos runs on); `pid` `master@ip:port`;
/// `hostname` from `--hostname`, else the ip text.
pub fn master_info(runtime: &Runtime, flags: &MasterFlags) -> MasterInfo {
    let upid = runtime.upid("master");
    let address = runtime.address();
    let ip_text = address.ip().to_string();
    let hostname = flags.hostname.clone().unwrap_or_else(|| ip_text.clone());
    MasterInfo {
        id: uuid::Uuid::new_v4().to_string(),
        ip: u32::from_le_bytes(address.ip().octets()),
        port: u32::from(address.port()),
        pid: Some(upid.to_string()),
        hostname: Some(hostname.clone()),
        version: Some(version::MESOS_VERSION.to_owned()),
        address: Some(Address {
            hostname: Some(hostname),
            ip: Some(ip_text),
            port: i32::from(address.port()),
        }),
        capabilities: [
            master_info::capability::Type::AgentUpdate,
            master_info::capability::Type::AgentDraining,
            master_info::capability::Type::QuotaV2,
        ]
        .into_iter()
        .map(|kind| master_info::Capability {
            r#type: Some(kind as i32),
        })
        .collect(),
        domain: None,
    }
}
