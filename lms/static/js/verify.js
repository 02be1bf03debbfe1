/* Lentera certificate check in the browser: Base32 text -> COSE_Sign1 (CBOR) -> Ed25519 signature over the
   RFC 9052 Sig_structure, checked with WebCrypto against the published key set. The service worker (sw.js) keeps the
   key set and this page's shell, so the signature can be checked without signal; the status shown then is the one
   last seen online. Progressive enhancement only: the server's verdict stands on its own. */
(function () {
  "use strict";

  var CERTIFICATE_CLAIM = -65537;
  var STATUS_PREFIX = "lentera-status:";

  /* ===== The token rules: a line-by-line mirror of lms/certificates/token.py, strict_cbor.py and
     verification.parse_qr_text. tests/data/verification-vectors.json holds the cases all verifiers must agree on. */
  var WHITESPACE = /[ \t\n\r\f\v]/g;
  var MAX_QR_TEXT = 4096, MAX_TOKEN_CHARS = 2048, MAX_DEPTH = 16, CLOCK_SKEW = 300;
  var MAX_TIMESTAMP = 253402300799, MAX_EPOCH_DAY = 2932896, MAX_DECIMAL_EXPONENT = 20;
  var KID_LENGTH = 8, CERTIFICATE_ID_LENGTH = 12, SIGNATURE_LENGTH = 64, FORMAT_VERSION = 1;
  var VERIFY_PATH = /(?:^|\/)v\/([^\/?# \t\n\r\f\v]+)\/?(?:[?#][\s\S]*)?$/i;

  function Refused(reason) { this.reason = reason; }
  function CborTag(tag, value) { this.tag = tag; this.value = value; }

  function parseQrText(text) {
    if (typeof text !== "string") return "";
    text = text.slice(0, MAX_QR_TEXT + 1).replace(/^[ \t\n\r\f\v]+|[ \t\n\r\f\v]+$/g, "");
    var match = VERIFY_PATH.exec(text);
    return match ? match[1] : text;
  }

  /* Base32 (RFC 4648) in either case, padding optional; one text per byte string (no spare bits set). */
  function base32Decode(input) {
    var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    var clean = input.replace(WHITESPACE, "").toUpperCase().replace(/=+$/, "");
    if (!clean) throw new Refused("empty");
    if (!/^[\x00-\x7f]*$/.test(clean)) throw new Refused("bad_base32");
    if (clean.length > MAX_TOKEN_CHARS) throw new Refused("too_long");
    var out = [], bits = 0, value = 0;
    for (var i = 0; i < clean.length; i++) {
      var index = alphabet.indexOf(clean.charAt(i));
      if (index < 0) throw new Refused("bad_base32");
      value = ((value << 5) | index) & 0xffff;
      bits += 5;
      if (bits >= 8) {
        out.push((value >>> (bits - 8)) & 255);
        bits -= 8;
      }
    }
    if (bits >= 5 || (value & ((1 << bits) - 1)) !== 0) throw new Refused("bad_base32");
    return new Uint8Array(out);
  }

  /* The strict CBOR subset (strict_cbor.py): whole input consumed, no duplicate map keys, shortest heads. */
  var MINIMUM_FOR_INFO = { 24: 24, 25: 256, 26: 65536, 27: 4294967296 };
  function decodeCbor(bytes) {
    var pos = 0, depth = 0;
    function take(n) {
      if (pos + n > bytes.length) throw new Refused("bad_cbor");
      var chunk = bytes.subarray(pos, pos + n);
      pos += n;
      return chunk;
    }
    function head() {
      var initial = take(1)[0], major = initial >> 5, info = initial & 31, value = 0, i, chunk;
      if (info < 24) return { major: major, info: info, value: info };
      if (info > 27) throw new Refused("bad_cbor");
      chunk = take(1 << (info - 24));
      if (info === 27 && chunk[0] * 16777216 + chunk[1] * 65536 + chunk[2] * 256 + chunk[3] >= 2097152) {
        throw new Refused("bad_cbor");
      }
      for (i = 0; i < chunk.length; i++) value = value * 256 + chunk[i];
      if (value < MINIMUM_FOR_INFO[info] || value > Number.MAX_SAFE_INTEGER) throw new Refused("bad_cbor");
      return { major: major, info: info, value: value };
    }
    function item() {
      if (++depth > MAX_DEPTH) throw new Refused("bad_cbor");
      var h = head(), result, i, key;
      switch (h.major) {
        case 0: result = h.value; break;
        case 1: result = -1 - h.value; break;
        case 2: result = take(h.value); break;
        case 3:
          try {
            result = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(take(h.value));
          } catch (error) {
            if (error instanceof Refused) throw error;
            throw new Refused("bad_cbor");
          }
          break;
        case 4: result = []; for (i = 0; i < h.value; i++) result.push(item()); break;
        case 5:
          result = new Map();
          for (i = 0; i < h.value; i++) {
            key = item();
            if (typeof key !== "number" && typeof key !== "string") throw new Refused("bad_cbor");
            if (result.has(key)) throw new Refused("duplicate_label");
            result.set(key, item());
          }
          break;
        case 6: result = new CborTag(h.value, item()); break;
        default:
          if (h.info === 20) result = false;
          else if (h.info === 21) result = true;
          else if (h.info === 22) result = null;
          else throw new Refused("bad_cbor");
      }
      depth--;
      return result;
    }
    var value = item();
    if (pos !== bytes.length) throw new Refused("trailing_bytes");
    return value;
  }

  function cborHead(major, length) {
    if (length < 24) return [(major << 5) | length];
    if (length < 256) return [(major << 5) | 24, length];
    if (length < 65536) return [(major << 5) | 25, length >> 8, length & 255];
    return [(major << 5) | 26, (length >>> 24) & 255, (length >> 16) & 255, (length >> 8) & 255, length & 255];
  }

  function concat(parts) {
    var total = 0, offset = 0, i;
    for (i = 0; i < parts.length; i++) total += parts[i].length;
    var out = new Uint8Array(total);
    for (i = 0; i < parts.length; i++) { out.set(parts[i], offset); offset += parts[i].length; }
    return out;
  }

  /* RFC 9052 section 4.4: ["Signature1", protected, external_aad = h'', payload] */
  function sigStructure(protectedBytes, payload) {
    var context = new TextEncoder().encode("Signature1");
    return concat([
      new Uint8Array([0x84]),
      new Uint8Array(cborHead(3, context.length)), context,
      new Uint8Array(cborHead(2, protectedBytes.length)), protectedBytes,
      new Uint8Array([0x40]),
      new Uint8Array(cborHead(2, payload.length)), payload
    ]);
  }

  function hex(bytes) {
    var out = "";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  function base64url(textValue) {
    var b64 = textValue.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var binary = atob(b64), out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }

  function isInt(value) { return typeof value === "number"; } /* the decoder yields integers only */

  function parseCose(bytes) {
    var message = decodeCbor(bytes);
    if (!(message instanceof CborTag) || message.tag !== 18) throw new Refused("not_cose_sign1");
    var body = message.value;
    if (!Array.isArray(body) || body.length !== 4) throw new Refused("not_cose_sign1");
    if (!(body[0] instanceof Uint8Array && body[2] instanceof Uint8Array && body[3] instanceof Uint8Array)) {
      throw new Refused("not_cose_sign1");
    }
    if (!(body[1] instanceof Map)) throw new Refused("not_cose_sign1");
    if (body[1].size) throw new Refused("bad_header");
    var header = decodeCbor(body[0]);
    if (!(header instanceof Map) || header.size !== 2 || !header.has(1) || !header.has(4)) {
      throw new Refused("bad_header");
    }
    if (header.get(1) !== -8) throw new Refused("unsupported_alg");
    var kid = header.get(4);
    if (!(kid instanceof Uint8Array) || kid.length !== KID_LENGTH) throw new Refused("bad_header");
    if (body[3].length !== SIGNATURE_LENGTH) throw new Refused("bad_signature");
    return { protectedBytes: body[0], payload: body[2], signature: body[3], kid: hex(kid) };
  }

  function amount(value) {
    /* tag 4 [exponent, mantissa] -> the decimal as text, like Python's format(Decimal, "f") */
    if (!(value instanceof CborTag) || value.tag !== 4) throw new Refused("bad_claims");
    var parts = value.value;
    if (!Array.isArray(parts) || parts.length !== 2 || !isInt(parts[0]) || !isInt(parts[1])) {
      throw new Refused("bad_claims");
    }
    var exponent = parts[0], digits = String(parts[1]);
    if (parts[1] < 0 || Math.abs(exponent) > MAX_DECIMAL_EXPONENT) throw new Refused("bad_claims");
    if (exponent >= 0) return digits + new Array(exponent + 1).join("0");
    while (digits.length <= -exponent) digits = "0" + digits;
    return digits.slice(0, exponent) + "." + digits.slice(exponent);
  }

  function dayOf(value) {
    if (!(value instanceof CborTag) || value.tag !== 100) throw new Refused("bad_claims");
    if (!isInt(value.value) || value.value < 0 || value.value > MAX_EPOCH_DAY) throw new Refused("bad_claims");
    return new Date(value.value * 86400000).toISOString().slice(0, 10);
  }

  function timestamp(value) {
    if (!isInt(value) || value < 0 || value > MAX_TIMESTAMP) throw new Refused("bad_claims");
    return value;
  }

  function parseClaims(payload) {
    var claimSet = decodeCbor(payload);
    if (!(claimSet instanceof Map)) throw new Refused("bad_claims");
    claimSet.forEach(function (value, label) {
      if (label !== 6 && label !== 4 && label !== -65537) throw new Refused("bad_claims");
    });
    if (!claimSet.has(6) || !claimSet.has(CERTIFICATE_CLAIM)) throw new Refused("bad_claims");
    var fields = claimSet.get(CERTIFICATE_CLAIM);
    if (!Array.isArray(fields) || !fields.length) throw new Refused("bad_claims");
    if (!isInt(fields[0]) || fields[0] !== FORMAT_VERSION) throw new Refused("unsupported_format");
    if (fields.length !== 11) throw new Refused("bad_claims");
    if (!(fields[1] instanceof Uint8Array) || fields[1].length !== CERTIFICATE_ID_LENGTH) throw new Refused("bad_claims");
    if (typeof fields[2] !== "string" || typeof fields[3] !== "string" || typeof fields[5] !== "string") {
      throw new Refused("bad_claims");
    }
    if (!isInt(fields[4]) || !isInt(fields[6]) || !isInt(fields[10])) throw new Refused("bad_claims");
    var iat = timestamp(claimSet.get(6));
    var exp = claimSet.has(4) ? timestamp(claimSet.get(4)) : null;
    if (exp !== null && exp <= iat) throw new Refused("bad_claims");
    return {
      certificate_id: hex(fields[1]), number: fields[2], holder_name: fields[3], profession_code: fields[4],
      course_code: fields[5], course_version: fields[6], completed_on: dayOf(fields[7]),
      jpl: amount(fields[8]), skp: amount(fields[9]), ranah_code: fields[10], iat: iat, exp: exp
    };
  }

  function seconds(iso) {
    if (!iso) return null;
    var ms = Date.parse(iso);
    if (isNaN(ms)) throw new Refused("bad_key_set");
    return Math.floor(ms / 1000);
  }

  /* The key set document as keyset_from_document reads it: keyed by the kid computed from each public key. */
  function keyTable(keyDocument) {
    var items = (keyDocument && keyDocument.keys) || [];
    return Promise.all(items.map(function (item) {
      var raw = base64url(item.public_key);
      return crypto.subtle.digest("SHA-256", raw).then(function (digest) {
        return {
          kid: hex(new Uint8Array(digest).subarray(0, KID_LENGTH)), raw: raw, alg: item.alg || "EdDSA",
          validFrom: seconds(item.valid_from), retiredAt: seconds(item.valid_until), withdrawn: !!item.withdrawn
        };
      });
    })).then(function (keys) {
      var table = {};
      keys.forEach(function (key) { table[key.kid] = key; });
      return table;
    });
  }

  /* The verdict without the issuer: {verdict: "genuine" | "expired" | "invalid" | "unsupported", reason, claims,
     kid}. `now` is in seconds since 1970. Same order of checks as token.verify_token + check_moment. */
  function check(text, keyDocument, now) {
    var parts;
    try {
      parts = parseCose(base32Decode(parseQrText(text)));
    } catch (error) {
      return Promise.resolve(refusal(error));
    }
    if (!window.crypto || !crypto.subtle) return Promise.resolve({ verdict: "unsupported" });
    return keyTable(keyDocument).then(function (table) {
      var key = table[parts.kid];
      if (!key) return { verdict: "invalid", reason: "unknown_key" };
      if (key.withdrawn) return { verdict: "invalid", reason: "key_withdrawn" };
      if (key.alg !== "EdDSA") return { verdict: "invalid", reason: "unsupported_alg" };
      return crypto.subtle.importKey("raw", key.raw, { name: "Ed25519" }, false, ["verify"]).then(function (cryptoKey) {
        return crypto.subtle.verify({ name: "Ed25519" }, cryptoKey, parts.signature,
                                    sigStructure(parts.protectedBytes, parts.payload));
      }).then(function (valid) {
        if (!valid) return { verdict: "invalid", reason: "bad_signature" };
        try {
          var claims = parseClaims(parts.payload);
          if (key.validFrom !== null && claims.iat < key.validFrom - CLOCK_SKEW) throw new Refused("signed_before_key_valid");
          if (key.retiredAt !== null && claims.iat > key.retiredAt + CLOCK_SKEW) throw new Refused("signed_after_retirement");
          if (claims.iat > now + CLOCK_SKEW) throw new Refused("issued_in_future");
          if (claims.exp !== null && now >= claims.exp) return { verdict: "expired", reason: "expired", claims: claims, kid: parts.kid };
          return { verdict: "genuine", reason: null, claims: claims, kid: parts.kid };
        } catch (error) {
          return refusal(error);
        }
      }, function () { return { verdict: "unsupported" }; });
    }, function (error) { return error instanceof Refused ? refusal(error) : { verdict: "unsupported" }; });
  }

  function refusal(error) {
    return { verdict: "invalid", reason: error instanceof Refused ? error.reason : "malformed" };
  }

  window.LenteraVerify = { check: check, parseQrText: parseQrText };

  /* ===== The page ========================================================================================= */
  var box = document.getElementById("browser-check");
  if (!box) return;
  var data = box.dataset;
  var text = box.querySelector(".browser-check-text");

  if ("serviceWorker" in navigator && data.swUrl) {
    navigator.serviceWorker.register(data.swUrl, { scope: "/" }).catch(function () { /* offline use only */ });
  }

  function show(state, message) {
    box.hidden = false;
    box.dataset.state = state;
    text.textContent = message;
  }

  function displayClaims(claims, keyDocument) {
    var codes = (keyDocument && keyDocument.codes) || {};
    var professions = codes.profession || {}, ranah = codes.ranah || {};
    return {
      number: claims.number,
      holder_name: claims.holder_name,
      profession: professions[String(claims.profession_code)] || String(claims.profession_code),
      course: claims.course_code + " · v" + claims.course_version,
      completed_on: claims.completed_on,
      jpl: claims.jpl,
      skp: claims.skp + (ranah[String(claims.ranah_code)] ? " · " + ranah[String(claims.ranah_code)] : "")
    };
  }

  function nowSeconds() { return Math.floor(Date.now() / 1000); }

  /* The key set, revalidated with the server (the response is `no-cache` with an ETag); `reload` skips every
     cache, for the one refetch when a token names a key this copy does not know. */
  function loadKeys(reload) {
    return fetch(data.keysUrl, { credentials: "omit", cache: reload ? "reload" : "no-cache" }).then(function (response) {
      if (!response.ok) throw new Error("no_keys");
      var fetchedAt = response.headers.get("X-Lentera-Fetched-At");
      return response.json().then(function (document) {
        document.fetched_at = fetchedAt || document.generated_at || null;
        return document;
      });
    });
  }

  /* Check; on an unknown key id fetch the key set once more (a key made since the copy was taken) and check again. */
  function checkWithFreshKeys(token) {
    return loadKeys(false).then(function (keyDocument) {
      return check(token, keyDocument, nowSeconds()).then(function (outcome) {
        if (outcome.reason !== "unknown_key") return { outcome: outcome, keys: keyDocument };
        return loadKeys(true).then(function (fresh) {
          return check(token, fresh, nowSeconds()).then(function (again) { return { outcome: again, keys: fresh }; });
        }, function () { return { outcome: outcome, keys: keyDocument }; });
      });
    });
  }

  function remember(token) {
    try {
      localStorage.setItem(STATUS_PREFIX + token, JSON.stringify({
        verdict: data.verdict, label: data.label, checked_at: data.checkedAt
      }));
    } catch (error) { /* private mode: nothing kept */ }
  }

  function remembered(token) {
    try { return JSON.parse(localStorage.getItem(STATUS_PREFIX + token) || "null"); } catch (error) { return null; }
  }

  function localTime(iso) {
    var moment = new Date(iso);
    return isNaN(moment) ? iso : moment.toLocaleString(document.documentElement.lang || undefined);
  }

  function fillFields(claims, kid) {
    var list = document.getElementById("offline-fields");
    if (!list) return;
    Object.keys(claims).forEach(function (name) {
      var cell = list.querySelector('[data-field="' + name + '"]');
      if (cell) cell.textContent = claims[name];
    });
    var keyCell = list.querySelector('[data-field="key"]');
    if (keyCell) keyCell.textContent = kid;
    list.hidden = false;
  }

  function online() {
    var token = data.token;
    if (!token) {
      /* Nothing for this browser to check, but refresh the key set the service worker keeps for offline use: a key
         withdrawn since the last visit must not keep saying "genuine" without signal. */
      loadKeys(false).catch(function () { /* offline use only */ });
      return;
    }
    remember(token);
    show("checking", data.msgChecking);
    checkWithFreshKeys(token).then(function (checked) {
      var outcome = checked.outcome;
      box.dataset.verdict = outcome.verdict;
      box.dataset.reason = outcome.reason || "";
      if (outcome.verdict === "genuine" || outcome.verdict === "expired") show("genuine", data.msgGenuine);
      else if (outcome.verdict === "unsupported") show("unsupported", data.msgUnsupported);
      else show("forged", data.msgForged);
    }, function () { box.hidden = true; });
  }

  function offline() {
    var match = /\/v\/([^\/?#]+)/i.exec(location.pathname);
    if (!match) return;
    var token;
    try { token = decodeURIComponent(match[1]).toUpperCase(); } catch (error) { token = match[1]; }
    var verdict = document.querySelector("[data-testid=verdict]");
    loadKeys(false).then(function (keyDocument) {
      return check(token, keyDocument, nowSeconds()).then(function (outcome) { return [outcome, keyDocument]; });
    }).then(function (pair) {
      var outcome = pair[0], keyDocument = pair[1];
      box.dataset.verdict = outcome.verdict;
      box.dataset.reason = outcome.reason || "";
      var keysNote = document.getElementById("offline-keys-age");
      if (keysNote && keyDocument.fetched_at) {
        keysNote.textContent = data.msgKeysAge.replace("{when}", localTime(keyDocument.fetched_at));
        keysNote.hidden = false;
      }
      if (outcome.verdict === "genuine" || outcome.verdict === "expired") {
        fillFields(displayClaims(outcome.claims, keyDocument), outcome.kid);
        var last = remembered(token);
        if (outcome.verdict === "expired") {
          if (verdict) { verdict.dataset.verdict = "expired"; verdict.className = "verdict verdict-expired"; }
          var word = verdict && verdict.querySelector(".verdict-word");
          if (word) word.textContent = data.msgExpiredWord;
          show("expired", data.msgOfflineExpired);
        } else if (verdict) {
          verdict.dataset.verdict = "genuine-offline";
        }
        if (outcome.verdict === "expired") return;
        if (last && last.checked_at) {
          show("genuine", data.msgOfflineStatus.replace("{when}", localTime(last.checked_at)).replace("{label}", last.label));
        } else {
          show("genuine", data.msgOfflineUnknown);
        }
      } else if (outcome.verdict === "unsupported") {
        show("unsupported", data.msgUnsupported);
      } else {
        if (verdict) { verdict.dataset.verdict = "invalid"; verdict.className = "verdict verdict-invalid"; }
        show("forged", data.msgForged);
      }
    }, function () { show("unsupported", data.msgNoKeys); });
  }

  if (data.offline === "true") offline(); else online();
})();
