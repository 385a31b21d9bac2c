//! Lua 5.1/5.2 compatibility shims installed before a vendor script runs.
//!
//! JD's C engine ran scripts written for Lua 5.1; under 5.3 a few library functions are gone.
//! Each shim is defined only when the name is missing, so a script's own definition wins.

/// The shims, as Lua source (read it: this is the documentation).
pub const SOURCE: &str = r##"
-- 5.1: global unpack (5.3: table.unpack)
unpack = unpack or table.unpack
-- 5.1: table.getn(t) == #t
table.getn = table.getn or function(t) return #t end
-- 5.1: table.maxn(t) = largest positive numeric key, 0 if none
table.maxn = table.maxn or function(t)
  local n = 0
  for k in pairs(t) do
    if type(k) == "number" and k > n then n = k end
  end
  return n
end
-- 5.1: math.pow(x, y) == x ^ y; math.mod == math.fmod
math.pow = math.pow or function(x, y) return x ^ y end
math.mod = math.mod or math.fmod
-- 5.0/5.1: string.gfind == string.gmatch
string.gfind = string.gfind or string.gmatch
-- 5.2: bit32 (unsigned 32-bit results), when the build has no compat library
if bit32 == nil then
  local M = 0xFFFFFFFF
  local function u(x)
    local i = math.tointeger(x)
    if i == nil then error("bit32: number has no integer representation", 3) end
    return i & M
  end
  local function fold(op, init)
    return function(...)
      local r = init
      for i = 1, select("#", ...) do r = op(r, u((select(i, ...)))) end
      return r
    end
  end
  bit32 = {
    band = fold(function(a, b) return a & b end, M),
    bor = fold(function(a, b) return a | b end, 0),
    bxor = fold(function(a, b) return a ~ b end, 0),
    bnot = function(x) return (~u(x)) & M end,
    lshift = function(x, n)
      if n >= 32 or n <= -32 then return 0 end
      if n < 0 then return u(x) >> -n end
      return (u(x) << n) & M
    end,
    rshift = function(x, n)
      if n >= 32 or n <= -32 then return 0 end
      if n < 0 then return (u(x) << -n) & M end
      return u(x) >> n
    end,
    arshift = function(x, n)
      local v = u(x)
      if v & 0x80000000 == 0 or n <= 0 then return bit32.rshift(v, n) end
      if n >= 32 then return M end
      return ((v >> n) | ~(M >> n)) & M
    end,
    btest = function(...) return bit32.band(...) ~= 0 end,
    extract = function(x, f, w)
      w = w or 1
      return (u(x) >> f) & ((1 << w) - 1)
    end,
  }
end
"##;
