//! Numeric codes inside the LAN JSON bodies (spec 6.3.1, 6.3.5): serialized as bare JSON numbers,
//! with `Unknown(n)` so any number round-trips.

use crate::macros::enum_with_unknown;

enum_with_unknown! {
    /// Scan request `status`: which devices the app looks for (spec 6.3.1).
    ///
    /// compat §6.2 — shipped devices answer every scan whatever the status says.
    pub enum ScanStatus(i32) {
        /// 0: every device.
        All = 0 => "all devices",
        /// 1: devices waiting to be authorized.
        Waiting = 1 => "waiting for authorization",
        /// 2: devices already authorized.
        Authorized = 2 => "authorized devices"
    }
}

enum_with_unknown! {
    /// `devtype` (spec 6.3.1).
    pub enum DevType(i32) {
        /// 0: an ordinary device.
        Normal = 0 => "normal device",
        /// 1: a gateway.
        Gateway = 1 => "gateway",
        /// 2: a sub-device.
        SubDevice = 2 => "sub-device"
    }
}

enum_with_unknown! {
    /// `lancon`: whether the device accepts LAN control (spec 6.3.1).
    pub enum LanControl(i32) {
        /// 0: not controllable over the LAN.
        Disabled = 0 => "lan control disabled",
        /// 1: controllable over the LAN.
        Enabled = 1 => "lan control enabled"
    }
}

enum_with_unknown! {
    /// `trantype`: how the cloud translates commands (spec 6.3.1).
    pub enum TranType(i32) {
        /// 0: no translation.
        None = 0 => "none",
        /// 1: a Lua script.
        Lua = 1 => "lua",
        /// 2: JavaScript.
        Js = 2 => "js"
    }
}

enum_with_unknown! {
    /// Sub-device `state` in a scan reply (spec 6.3.1).
    pub enum SubDevAuthState(i32) {
        /// 0: authorized.
        Authorized = 0 => "authorized",
        /// 1: waiting for authorization.
        Waiting = 1 => "waiting for authorization"
    }
}

enum_with_unknown! {
    /// Sub-device radio `protocol` (spec 6.3.1, 6.3.5).
    pub enum SubDevProtocol(i32) {
        /// 0: Wi-Fi.
        Wifi = 0 => "wifi",
        /// 1: Zigbee.
        Zigbee = 1 => "zigbee",
        /// 2: Bluetooth.
        Bluetooth = 2 => "bluetooth",
        /// 3: 433 MHz radio.
        Rf433 = 3 => "433 mhz"
    }
}
