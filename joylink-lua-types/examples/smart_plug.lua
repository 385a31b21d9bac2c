-- Example vendor script: a smart plug with a relay and a power meter (spec 13).
--
-- Private protocol (UART between the JoyLink module and the plug's MCU), all integers big-endian:
--   frame    = 0xA5 | cmd | len | payload[len] | xor   (xor of cmd, len and payload bytes)
--   cmd 0x01   set relay        payload: switch (0 off, 1 on)
--   cmd 0x02   query status     payload: none
--   cmd 0x81   status           payload: switch u8, power u16 (0.1 W), voltage u16 (0.1 V),
--                                        current u16 (mA), energy u32 (Wh)
-- Data points: switch (0/1), power (W), voltage (V), current (mA), energy (Wh).

local function decode(cmd)
    local tb
    if cjson == nil then
        cjson = (require 'JSON')
        tb = cjson.decode(cmd)
    else
        tb = cjson.decode(cmd)
    end
    return tb
end

local function frame(cmd, payload)
    local body = string.char(cmd, #payload) .. payload
    local x = 0
    for i = 1, #body do
        x = x ~ body:byte(i)
    end
    return string.char(0xA5) .. body .. string.char(x)
end

local function find(streams, id)
    for _, s in ipairs(streams or {}) do
        if s.stream_id == id then
            return s.current_value
        end
    end
    return nil
end

-- JD standard JSON -> private bytes (spec 13.2): returns code, length, bytes.
-- Like JD's own scripts, it decodes every input first: a snapshot request (1004) arrives as `{}`.
function jds2pri(bizcode, cmd)
    local tb = decode(cmd)
    local out
    if bizcode == 1004 then
        out = frame(0x02, "")
    elseif bizcode == 1002 then
        local sw = tonumber(find(tb.streams, "switch"))
        if sw == nil then
            return -1, 0, ""
        end
        out = frame(0x01, string.char(sw ~= 0 and 1 or 0))
    else
        return -1, 0, ""
    end
    return 0, #out, out
end

-- private bytes -> JD standard JSON (spec 13.3): returns code, json, bizcode
function pri2jds(bizcode, length, bin)
    if length < 4 or bin:byte(1) ~= 0xA5 then
        return -1, "", bizcode
    end
    local cmd, n = bin:byte(2, 3)
    if length ~= n + 4 then
        return -1, "", bizcode
    end
    local x = 0
    for i = 2, 3 + n do
        x = x ~ bin:byte(i)
    end
    if x ~= bin:byte(length) then
        return -1, "", bizcode
    end
    if cmd ~= 0x81 or n ~= 11 then
        return -1, "", bizcode
    end
    local sw, p1, p2, v1, v2, c1, c2, e1, e2, e3, e4 = bin:byte(4, 14)
    local resp = {
        code = 0,
        streams = {
            { stream_id = "switch", current_value = sw },
            { stream_id = "power", current_value = ((p1 << 8) | p2) / 10 },
            { stream_id = "voltage", current_value = ((v1 << 8) | v2) / 10 },
            { stream_id = "current", current_value = (c1 << 8) | c2 },
            { stream_id = "energy", current_value = (e1 << 24) | (e2 << 16) | (e3 << 8) | e4 },
        },
    }
    local out_biz = 0 -- spontaneous status: a data upload
    if bizcode == 1002 then
        out_biz = 102
        resp.msg = "控制成功"
    elseif bizcode == 1004 then
        out_biz = 104
    end
    return 0, cjson.encode(resp), out_biz
end
