-- SPDX-License-Identifier: Apache-2.0
-- Wireshark / tshark dissector for tern's frames between nodes
-- (lib/net/tern_net_wire.h, docs/transport.md "Frames").
--
--   tshark -r x.pcap -X lua_script:scripts/tern.lua -Y tern
--   wireshark -X lua_script:scripts/tern.lua   (or copy to ~/.local/lib/wireshark/plugins/)
--
-- UDP payload: a 32-byte big-endian header
--   magic(2) "TN"  version(1)  type(1)  flags(2)  count(2)
--   session(4)  stream(4)  seq(8)  arg(8)
-- then, in DATA, `count` entries of 48 bytes each followed by a piece of
-- frag_len bytes; in the other types a text body of `count` bytes.
--
-- Found on UDP port 7460, on the port set in the preference "tern.port",
-- and anywhere else by a heuristic: "TN" magic and version 1.  A frame that
-- tern_net_parse() would refuse is shown as far as it goes and flagged with
-- expert info (filter: tern.malformed), never a Lua error.

local tern = Proto("tern", "tern inter-node frame")

local TERN_PORT = 7460
local HDR_LEN = 32
local ENT_LEN = 48
local NAME_MAX = 256
local MAGIC = 0x544e
local VERSION = 1

local types = { [1] = "DATA", [2] = "STATUS", [3] = "NAK", [4] = "HELLO", [5] = "REQ",
                [6] = "REFUSE" }
local F_SENDER, F_RETRANS, F_FWD, F_KNOWN = 0x1, 0x2, 0x4, 0x7
local E_LAST, E_KNOWN = 0x1, 0x1

local f = tern.fields
f.magic = ProtoField.uint16("tern.magic", "Magic", base.HEX)
f.version = ProtoField.uint8("tern.version", "Version", base.DEC)
f.type = ProtoField.uint8("tern.type", "Type", base.DEC, types)
f.flags = ProtoField.uint16("tern.flags", "Flags", base.HEX)
f.flags_sender = ProtoField.bool("tern.flags.sender", "Sender", 16, nil, F_SENDER,
    "STATUS from the stream's sender: seq is its next frame seq")
f.flags_retrans = ProtoField.bool("tern.flags.retrans", "Retransmission", 16, nil, F_RETRANS,
    "DATA sent again after a NAK")
f.flags_fwd = ProtoField.bool("tern.flags.fwd", "Forwarded publishes", 16, nil, F_FWD,
    "REQ from the topic's home: the receiver's own publishes to it, forwarded home")
f.count = ProtoField.uint16("tern.count", "Count", base.DEC, nil, nil,
    "DATA: entries; other types: body bytes")
f.session = ProtoField.uint32("tern.session", "Session", base.HEX)
f.stream = ProtoField.uint32("tern.stream", "Stream", base.DEC)
f.seq = ProtoField.uint64("tern.seq", "Seq", base.DEC)
f.arg = ProtoField.uint64("tern.arg", "Arg", base.DEC)
f.ent = ProtoField.bytes("tern.ent", "Entry", base.NONE)
f.ent_seq = ProtoField.uint64("tern.ent.seq", "Message seq", base.DEC)
f.ent_event_ns = ProtoField.int64("tern.ent.event_ns", "Event time (ns)", base.DEC)
f.ent_send_ns = ProtoField.int64("tern.ent.send_ns", "Send time (ns)", base.DEC)
f.ent_type_id = ProtoField.uint32("tern.ent.type_id", "Type id", base.DEC)
f.ent_version = ProtoField.uint16("tern.ent.version", "Type version", base.DEC)
f.ent_tags_len = ProtoField.uint16("tern.ent.tags_len", "Tags length", base.DEC)
f.ent_size = ProtoField.uint32("tern.ent.size", "Payload size", base.DEC)
f.ent_frag_off = ProtoField.uint32("tern.ent.frag_off", "Piece offset", base.DEC)
f.ent_frag_len = ProtoField.uint16("tern.ent.frag_len", "Piece length", base.DEC)
f.ent_flags = ProtoField.uint16("tern.ent.flags", "Entry flags", base.HEX)
f.ent_flags_last = ProtoField.bool("tern.ent.flags.last", "Last piece", 16, nil, E_LAST)
f.ent_reserved = ProtoField.uint32("tern.ent.reserved", "Reserved", base.HEX)
f.ent_piece = ProtoField.bytes("tern.ent.piece", "Piece", base.NONE)
f.body = ProtoField.string("tern.body", "Body")

local ex_malformed = ProtoExpert.new("tern.malformed", "Malformed tern frame",
    expert.group.MALFORMED, expert.severity.ERROR)
local ex_retrans = ProtoExpert.new("tern.retrans", "Retransmitted DATA",
    expert.group.SEQUENCE, expert.severity.NOTE)
tern.experts = { ex_malformed, ex_retrans }

tern.prefs.port = Pref.uint("UDP port", 0,
    "Another UDP port to decode as tern (0: none); 7460 always is")
local pref_port = 0

function tern.prefs_changed()
    local udp = DissectorTable.get("udp.port")
    if pref_port ~= 0 and pref_port ~= TERN_PORT then
        udp:remove(pref_port, tern)
    end
    pref_port = tern.prefs.port
    if pref_port ~= 0 and pref_port ~= TERN_PORT then
        udp:add(pref_port, tern)
    end
end

-- Flag a malformed frame: expert info on item (over range if given).
local function bad(item, range, text)
    if range then
        item:add_tvb_expert_info(ex_malformed, range, text)
    else
        item:add_proto_expert_info(ex_malformed, text)
    end
end

-- One DATA entry at off (avail bytes left in the body).  Returns the bytes
-- it takes (nil: cannot go on), its message seq and whether it is bad.
local function dissect_ent(tvb, tree, off, avail, n)
    if avail <= 0 then
        bad(tree, nil, string.format("entry %d missing: the frame ends", n))
        return nil
    end
    if avail < ENT_LEN then
        local t = tree:add(f.ent, tvb(off, avail))
        t:set_text(string.format("Entry %d: truncated (%d of %d bytes)", n, avail, ENT_LEN))
        bad(t, nil, string.format("entry %d: %d bytes left, an entry is %d", n, avail, ENT_LEN))
        return nil
    end
    local seq = tvb(off, 8):uint64()
    local tags_len = tvb(off + 30, 2):uint()
    local size = tvb(off + 32, 4):uint()
    local frag_off = tvb(off + 36, 4):uint()
    local frag_len = tvb(off + 40, 2):uint()
    local flags = tvb(off + 42, 2):uint()
    local piece_avail = avail - ENT_LEN
    local have = frag_len <= piece_avail and frag_len or piece_avail
    local t = tree:add(f.ent, tvb(off, ENT_LEN + have))
    t:set_text(string.format("Entry %d: seq %s, piece %d..%d of %d%s", n, tostring(seq),
        frag_off, frag_off + frag_len, size + tags_len,
        bit.band(flags, E_LAST) ~= 0 and " (last)" or ""))
    t:add(f.ent_seq, tvb(off, 8))
    t:add(f.ent_event_ns, tvb(off + 8, 8))
    t:add(f.ent_send_ns, tvb(off + 16, 8))
    t:add(f.ent_type_id, tvb(off + 24, 4))
    t:add(f.ent_version, tvb(off + 28, 2))
    t:add(f.ent_tags_len, tvb(off + 30, 2))
    t:add(f.ent_size, tvb(off + 32, 4))
    t:add(f.ent_frag_off, tvb(off + 36, 4))
    t:add(f.ent_frag_len, tvb(off + 40, 2))
    local ft = t:add(f.ent_flags, tvb(off + 42, 2))
    ft:add(f.ent_flags_last, tvb(off + 42, 2))
    local rt = t:add(f.ent_reserved, tvb(off + 44, 4))
    if have > 0 then
        t:add(f.ent_piece, tvb(off + ENT_LEN, have))
    end

    local isbad = false
    local total = size + tags_len
    if tostring(seq) == "0" then
        bad(t, tvb(off, 8), "entry seq 0"); isbad = true
    end
    if bit.band(flags, bit.bnot(E_KNOWN)) ~= 0 then
        bad(ft, nil, string.format("unknown entry flags 0x%04x", flags)); isbad = true
    end
    if tvb(off + 44, 4):uint() ~= 0 then
        bad(rt, nil, "reserved bytes not zero"); isbad = true
    end
    if frag_off + frag_len > total then
        bad(t, nil, string.format("piece %d..%d past its message of %d bytes",
            frag_off, frag_off + frag_len, total)); isbad = true
    elseif bit.band(flags, E_LAST) ~= 0 and frag_off + frag_len ~= total then
        bad(t, nil, string.format("last piece ends at %d, its message at %d",
            frag_off + frag_len, total)); isbad = true
    elseif bit.band(flags, E_LAST) == 0 and frag_len == 0 then
        bad(t, nil, "empty piece that is not the last"); isbad = true
    end
    if frag_len > piece_avail then
        bad(t, nil, string.format("entry %d: piece of %d bytes, %d left in the frame",
            n, frag_len, piece_avail))
        return nil, seq, true
    end
    return ENT_LEN + frag_len, seq, isbad
end

local function dissect(tvb, pinfo, tree)
    local len = tvb:len()
    pinfo.cols.protocol = "tern"
    local t = tree:add(tern, tvb())
    if len < HDR_LEN then
        pinfo.cols.info = string.format("tern: short frame (%d bytes) [MALFORMED]", len)
        bad(t, tvb(), string.format("%d bytes, the header is %d", len, HDR_LEN))
        return len
    end

    local magic = tvb(0, 2):uint()
    local version = tvb(2, 1):uint()
    local ty = tvb(3, 1):uint()
    local flags = tvb(4, 2):uint()
    local count = tvb(6, 2):uint()
    local session = tvb(8, 4):uint()
    local stream = tvb(12, 4):uint()
    local seq = tvb(16, 8):uint64()
    local arg = tvb(24, 8):uint64()
    local malformed = false

    local mt = t:add(f.magic, tvb(0, 2))
    local vt = t:add(f.version, tvb(2, 1))
    local tt = t:add(f.type, tvb(3, 1))
    local ft = t:add(f.flags, tvb(4, 2))
    ft:add(f.flags_sender, tvb(4, 2))
    ft:add(f.flags_retrans, tvb(4, 2))
    ft:add(f.flags_fwd, tvb(4, 2))
    local ct = t:add(f.count, tvb(6, 2))
    local st = t:add(f.session, tvb(8, 4))
    t:add(f.stream, tvb(12, 4))
    local qt = t:add(f.seq, tvb(16, 8))
    t:add(f.arg, tvb(24, 8))

    local name = types[ty] or string.format("type %d", ty)
    if magic ~= MAGIC then
        bad(mt, nil, string.format("magic 0x%04x, not 0x%04x", magic, MAGIC)); malformed = true
    end
    if version ~= VERSION then
        bad(vt, nil, string.format("version %d, not %d", version, VERSION)); malformed = true
    end
    if not types[ty] then
        bad(tt, nil, string.format("unknown type %d", ty)); malformed = true
    end
    if bit.band(flags, bit.bnot(F_KNOWN)) ~= 0 then
        bad(ft, nil, string.format("unknown flags 0x%04x", flags)); malformed = true
    end
    if session == 0 then
        bad(st, nil, "session 0"); malformed = true
    end
    if bit.band(flags, F_RETRANS) ~= 0 then
        t:add_proto_expert_info(ex_retrans)
    end

    local body_len = len - HDR_LEN
    local info
    if ty == 1 then
        local off, n, first, last = HDR_LEN, 0, nil, nil
        if count == 0 then
            bad(ct, nil, "DATA with no entries"); malformed = true
        end
        if tostring(seq) == "0" then
            bad(qt, nil, "DATA frame seq 0"); malformed = true
        end
        while n < count do
            local used, eseq, ebad = dissect_ent(tvb, t, off, len - off, n + 1)
            if ebad or not used then malformed = true end
            if eseq then
                first = first or eseq
                last = eseq
            end
            if not used then break end
            off = off + used
            n = n + 1
        end
        if n == count and off ~= len then
            bad(t, tvb(off, len - off),
                string.format("%d bytes after the %d entries", len - off, count))
            malformed = true
        end
        info = string.format("DATA stream %d seq %s (%d msgs", stream, tostring(seq), count)
        if first then
            if tostring(first) == tostring(last) then
                info = info .. " " .. tostring(first)
            else
                info = info .. " " .. tostring(first) .. ".." .. tostring(last)
            end
        end
        info = info .. ")"
        if bit.band(flags, F_RETRANS) ~= 0 then info = info .. " [retrans]" end
    else
        local text = ""
        if body_len > 0 then
            local bt = t:add(f.body, tvb(HDR_LEN, body_len))
            text = tvb(HDR_LEN, body_len):string()
            if body_len >= NAME_MAX then
                bad(bt, nil, string.format("body of %d bytes, at most %d", body_len,
                    NAME_MAX - 1))
                malformed = true
            end
        end
        if count ~= body_len then
            bad(ct, nil, string.format("count %d, body %d bytes", count, body_len))
            malformed = true
        end
        if ty == 3 then
            info = string.format("NAK stream %d seq %s+%s", stream, tostring(seq), tostring(arg))
        elseif ty == 2 then
            info = string.format("STATUS stream %d seq %s%s", stream, tostring(seq),
                bit.band(flags, F_SENDER) ~= 0 and " (sender)" or " (receiver)")
        elseif ty == 4 then
            info = string.format("HELLO \"%s\" echo %s held %d ns", text, tostring(arg), stream)
        elseif ty == 5 then
            info = string.format("REQ stream %d \"%s\" from %s%s", stream, text,
                tostring(arg) == "0" and "live" or tostring(arg),
                bit.band(flags, F_FWD) ~= 0 and " (forwarded publishes)" or "")
        elseif ty == 6 then
            info = string.format("REFUSE stream %d errno %s \"%s\"", stream, tostring(arg), text)
        else
            info = string.format("%s stream %d seq %s", name, stream, tostring(seq))
        end
    end
    if malformed then
        info = info .. " [MALFORMED]"
        t:append_text(" [MALFORMED]")
    end
    t:append_text(", " .. name)
    pinfo.cols.info = info
    return len
end

function tern.dissector(tvb, pinfo, tree)
    local ok, r = pcall(dissect, tvb, pinfo, tree)
    if ok then return r end
    -- A bug here, not in the frame: still no Lua error in the user's face.
    pinfo.cols.info = "tern: dissector error [MALFORMED]"
    tree:add(tern, tvb()):add_proto_expert_info(ex_malformed, "dissector: " .. tostring(r))
    return tvb:len()
end

local function heuristic(tvb, pinfo, tree)
    if tvb:len() < HDR_LEN or tvb(0, 2):uint() ~= MAGIC or tvb(2, 1):uint() ~= VERSION then
        return false
    end
    tern.dissector(tvb, pinfo, tree)
    return true
end

DissectorTable.get("udp.port"):add(TERN_PORT, tern)
tern:register_heuristic("udp", heuristic)
