/* gonghui field collection on a phone. Vanilla JS, no build step, no network needed once loaded.
 *
 * What the phone keeps (IndexedDB "gonghui-collect"):
 *   device  — the device id, its ECDSA P-256 private key (a non-extractable CryptoKey: the browser can
 *             sign with it but never hands its bytes out), the union list and the server's public key;
 *   records — one row per enrolment or filled-in questionnaire: {uuid, label, envelope, status, code,
 *             message, createdAt}. The envelope is the record encrypted to the server's RSA key; the label
 *             is only the surname and the last four ID characters (a questionnaire: the meeting's title).
 *             No plaintext personal data or answer is ever stored.
 * Protocol: docs/collect-protocol.md.
 */
"use strict";

(() => {
  const DB_NAME = "gonghui-collect";
  const DB_VERSION = 1;
  // A failed round is retried soon (a lost answer is usually a blip), then less and less often.
  const RETRY_FIRST_MS = 2000;
  const RETRY_MAX_MS = 60000;
  const REQUEST_TIMEOUT_MS = 20000;
  // Records per signed request: one transaction on the server; well under its limit of 50.
  const BATCH_SIZE = 20;
  // Mirrors of the server's limits (gonghui/meetings/actions.py, gonghui/collect/schemas.py): a text
  // answer, and a sealed record (its ciphertext may be at most 36,000 base64 characters).
  const MAX_TEXT_ANSWER = 2000;
  const MAX_RECORD_BYTES = 26000;
  const body = document.body;
  const T = JSON.parse(document.getElementById("collect-strings").textContent);
  const encoder = new TextEncoder();

  // ---- small helpers -------------------------------------------------------------------------------
  const $ = (id) => document.getElementById(id);
  const format = (text, params) => text.replace(/%\((\w+)\)s/g, (_, key) => String(params[key]));
  const toBase64 = (buffer) => {
    const bytes = new Uint8Array(buffer);
    let text = "";
    for (let i = 0; i < bytes.length; i += 1) text += String.fromCharCode(bytes[i]);
    return btoa(text);
  };
  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const toHex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");

  function banner(id, text, kind) {
    let node = $(id);
    if (!text) {
      if (node) node.remove();
      return;
    }
    if (!node) {
      node = document.createElement("p");
      node.id = id;
      $("banners").appendChild(node);
    }
    node.className = `banner ${kind || ""}`;
    node.textContent = text;
  }

  function toast(text) {
    const node = $("toast");
    if (!node) return;
    node.textContent = text;
    node.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { node.hidden = true; }, 4000);
  }

  // ---- IndexedDB -----------------------------------------------------------------------------------
  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        request.result.createObjectStore("device");
        request.result.createObjectStore("records", { keyPath: "uuid" });
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function inStore(db, store, mode, work) {
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(store, mode);
      const request = work(transaction.objectStore(store));
      transaction.oncomplete = () => resolve(request ? request.result : undefined);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }

  const loadDevice = (db) => inStore(db, "device", "readonly", (s) => s.get("self"));
  const saveDevice = (db, device) => inStore(db, "device", "readwrite", (s) => s.put(device, "self"));
  const loadRecords = (db) => inStore(db, "records", "readonly", (s) => s.getAll());
  const saveRecord = (db, record) => inStore(db, "records", "readwrite", (s) => s.put(record));
  const removeRecord = (db, uuid) => inStore(db, "records", "readwrite", (s) => s.delete(uuid));

  // ---- resident ID (GB 11643: ISO 7064 MOD 11-2) — quick feedback only; the server decides ---------
  function normaliseResidentId(raw) {
    return raw
      .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      .replace(/[\s\u3000-]/g, "")
      .toUpperCase();
  }

  function residentIdProblem(number) {
    if (number.length !== 18) return T.idLength;
    if (!/^\d{17}[\dX]$/.test(number)) return T.idFormat;
    let sum = 0;
    for (let i = 0; i < 17; i += 1) sum += Number(number[i]) * (2 ** (17 - i) % 11);
    const check = (12 - (sum % 11)) % 11;
    if ((check === 10 ? "X" : String(check)) !== number[17]) return T.idChecksum;
    const year = Number(number.slice(6, 10));
    const month = Number(number.slice(10, 12));
    const day = Number(number.slice(12, 14));
    const born = new Date(Date.UTC(year, month - 1, day));
    const real = born.getUTCFullYear() === year && born.getUTCMonth() === month - 1 && born.getUTCDate() === day;
    if (!real || year < 1900 || born > new Date()) return T.idDate;
    return "";
  }

  // Surname and last four ID characters: enough to find a record in the list, too little to misuse.
  function maskedLabel(name, residentId) {
    const surname = Array.from(name.trim())[0] || "?";
    return `${surname}** ····${residentId.slice(-4)}`;
  }

  // ---- crypto --------------------------------------------------------------------------------------
  function cryptoAvailable() {
    return window.isSecureContext && window.crypto && crypto.subtle && window.indexedDB;
  }

  async function sealRecord(record, device) {
    const serverKey = await crypto.subtle.importKey(
      "spki", fromBase64(device.serverKey.spki), { name: "RSA-OAEP", hash: "SHA-256" }, false, ["wrapKey"]
    );
    // A fresh AES key per record, wrapped for the server and then forgotten: the phone cannot reopen it.
    const aesKey = await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt"]);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ciphertext = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: encoder.encode(record.record_uuid) },
      aesKey,
      encoder.encode(JSON.stringify(record))
    );
    const wrapped = await crypto.subtle.wrapKey("raw", aesKey, serverKey, { name: "RSA-OAEP" });
    return {
      alg: device.serverKey.alg,
      kid: device.serverKey.kid,
      key: toBase64(wrapped),
      iv: toBase64(iv),
      ciphertext: toBase64(ciphertext),
    };
  }

  async function signedFetch(device, method, path, bodyText, options) {
    // The time stamp is the moment of sending, corrected by what the server said its clock reads.
    // The body is JSON text, or bytes (a photo) with options.contentType; the signature covers the path
    // without options.query.
    const opts = options || {};
    const timestamp = String(Math.floor(Date.now() / 1000 + (device.clockOffset || 0)));
    const bodyBytes = typeof bodyText === "string" ? encoder.encode(bodyText) : (bodyText || new Uint8Array());
    const digest = toHex(await crypto.subtle.digest("SHA-256", bodyBytes));
    const canonical = `${method}\n${path}\n${timestamp}\n${digest}`;
    const signature = await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-256" }, device.privateKey, encoder.encode(canonical)
    );
    const headers = {
      "X-Gonghui-Device": device.deviceId,
      "X-Gonghui-Timestamp": timestamp,
      "X-Gonghui-Signature": toBase64(signature),
    };
    if (bodyText) headers["Content-Type"] = opts.contentType || "application/json";
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), opts.timeoutMs || REQUEST_TIMEOUT_MS);
    try {
      return await fetch(path + (opts.query || ""), {
        method, headers, body: bodyText || undefined, signal: controller.signal, credentials: "omit", cache: "no-store",
      });
    } finally {
      clearTimeout(timer);
    }
  }

  function deviceFromConfig(config, privateKey, previous) {
    return {
      deviceId: config.device_id,
      name: config.name,
      status: config.status,
      collectorName: config.collector_name,
      unitName: config.unit_name,
      unions: config.unions,
      meetings: config.meetings || [],
      serverKey: config.server_key,
      policyVersion: config.policy_version,
      privateKey,
      clockOffset: config.server_time - Date.now() / 1000,
      refusal: "",
      lastUnion: previous ? previous.lastUnion : "",
      lastMeeting: previous ? previous.lastMeeting || "" : "",
    };
  }

  // ---- the collection app --------------------------------------------------------------------------
  async function startApp() {
    const state = {
      db: null, device: null, records: [], syncing: false, retryTimer: null, retryMs: RETRY_FIRST_MS, survey: null,
    };

    function noteServerClock(response) {
      const serverTime = Number(response.headers.get("X-Gonghui-Server-Time"));
      if (serverTime) state.device.clockOffset = serverTime - Date.now() / 1000;
    }

    function counts() {
      const result = { pending: 0, sent: 0, rejected: 0 };
      for (const record of state.records) result[record.status] += 1;
      return result;
    }

    function renderQueue() {
      const list = $("queue");
      list.textContent = "";
      const newestFirst = [...state.records].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      for (const record of newestFirst) {
        const item = document.createElement("li");
        item.className = `record ${record.status}`;
        item.dataset.uuid = record.uuid;
        const label = document.createElement("span");
        label.className = "label";
        label.textContent = record.label;
        const status = document.createElement("span");
        status.className = "status";
        status.textContent = T[record.status];
        item.append(label, status);
        if (record.warned) item.classList.add("warned");
        if (record.message) {
          const message = document.createElement("span");
          message.className = "message";
          message.textContent = record.message;
          item.append(message);
        }
        list.append(item);
      }
    }

    function render() {
      const { pending, sent, rejected } = counts();
      $("count-pending").textContent = pending;
      $("count-sent").textContent = sent;
      $("count-rejected").textContent = rejected;
      const net = $("net");
      net.textContent = navigator.onLine ? T.online : T.offline;
      net.className = `net ${navigator.onLine ? "on" : "off"}`;
      const device = state.device;
      $("device-line").textContent = `${device.name} · ${device.collectorName} · ${device.unitName}`;
      banner("banner-unsent", pending ? format(T.unsentWarning, { n: pending }) : "", "warn");
      const revoked = device.status === "REVOKED";
      banner("banner-revoked", revoked ? device.refusal || T.revokedBanner : "", "danger");
      banner("banner-device", !revoked && device.problem ? T.deviceProblem + device.problem : "", "danger");
      for (const form of [$("enrol-form"), $("survey-form")]) {
        for (const element of form.elements) element.disabled = revoked;
      }
      $("open-survey").disabled = revoked;
      renderQueue();
    }

    function fillUnions() {
      const select = $("f-union");
      const chosen = select.value || state.device.lastUnion;
      select.textContent = "";
      if (state.device.unions.length !== 1) select.append(new Option("—", ""));
      for (const union of state.device.unions) select.append(new Option(union.name, String(union.id)));
      if (chosen && state.device.unions.some((u) => String(u.id) === String(chosen))) select.value = String(chosen);
    }

    // The meetings this phone may attribute a record to come with the configuration, so the picker works
    // offline. The last meeting picked is offered again only on the day it takes place: a collector who
    // forgets to change it does not attribute tomorrow's workers to today's meeting.
    function meetingLabel(meeting) {
      const when = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
        month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
      }).format(new Date(meeting.starts_at));
      return [when, meeting.title, meeting.place].filter(Boolean).join(" · ");
    }

    // Only the meetings the chosen union may be attributed to (the union is under the meeting's organiser).
    function fillMeetings() {
      const select = $("f-meeting");
      const union = Number($("f-union").value);
      const meetings = (state.device.meetings || []).filter(
        (m) => !m.union_ids || !union || m.union_ids.includes(union),
      );
      const current = select.value;
      const chosen = current || state.device.lastMeeting;
      const today = new Date().toDateString();
      select.textContent = "";
      select.append(new Option(T.noMeeting, ""));
      for (const meeting of meetings) select.append(new Option(meetingLabel(meeting), String(meeting.id)));
      const keep = meetings.find((m) => String(m.id) === String(chosen));
      if (keep && (current || new Date(keep.starts_at).toDateString() === today)) select.value = String(keep.id);
      else select.value = "";
      $("meeting-field").hidden = !meetings.length;
      showSurveyButton();
    }

    // ---- the meeting's questionnaire, filled in offline ------------------------------------------
    // The definition came with the configuration (the meeting's current version); the phone renders it,
    // checks what the server checks (gonghui/meetings/actions.py _parse_answer, _visible) and queues the
    // answers sealed like an enrolment. The server stays the judge.
    function pickedMeeting() {
      const id = $("f-meeting").value;
      return (state.device.meetings || []).find((m) => String(m.id) === id) || null;
    }

    function showSurveyButton() {
      const meeting = pickedMeeting();
      $("open-survey").hidden = !(meeting && meeting.questionnaire);
    }

    function option(type, name, value, text) {
      const label = document.createElement("label");
      label.className = "option";
      const input = document.createElement("input");
      Object.assign(input, { type, name, value });
      label.append(input, document.createTextNode(text));
      return label;
    }

    function questionNode(question) {
      const node = document.createElement("fieldset");
      node.className = "question";
      node.dataset.qid = String(question.id);
      const legend = document.createElement("legend");
      legend.textContent = `${question.position}. ${question.text}`;
      if (question.required) {
        const star = document.createElement("span");
        star.className = "req";
        star.textContent = " *";
        legend.append(star);
      }
      node.append(legend);
      const name = `q${question.id}`;
      if (question.kind === "SINGLE" || question.kind === "MULTIPLE") {
        const type = question.kind === "SINGLE" ? "radio" : "checkbox";
        for (const choice of question.choices) node.append(option(type, name, choice, choice));
      } else if (question.kind === "RATING") {
        const row = document.createElement("div");
        row.className = "rating";
        for (const value of ["1", "2", "3", "4", "5"]) row.append(option("radio", name, value, value));
        node.append(row);
      } else if (question.kind === "NUMBER") {
        const input = document.createElement("input");
        Object.assign(input, { name, inputMode: "decimal", maxLength: 20 });
        input.setAttribute("aria-label", question.text);
        node.append(input);
      } else {
        const area = document.createElement("textarea");
        Object.assign(area, { name, maxLength: MAX_TEXT_ANSWER, rows: 3 });
        area.setAttribute("aria-label", question.text);
        node.append(area);
      }
      return node;
    }

    function rawAnswer(form, question) {
      const name = `q${question.id}`;
      if (question.kind === "MULTIPLE") {
        return Array.from(form.querySelectorAll(`input[name="${name}"]:checked`), (input) => input.value);
      }
      if (question.kind === "SINGLE" || question.kind === "RATING") {
        const checked = form.querySelector(`input[name="${name}"]:checked`);
        return checked ? checked.value : "";
      }
      return form.elements[name].value.trim();
    }

    // Show-if, as the server reads it: a question shows when the earlier single-choice question it
    // depends on is itself shown and answered with the named choice.
    function applyShowIf() {
      const form = $("survey-form");
      const given = new Map();
      for (const question of state.survey.questions) {
        const node = form.querySelector(`fieldset[data-qid="${question.id}"]`);
        const visible = !question.show_if || given.get(question.show_if.question_id) === question.show_if.choice;
        node.hidden = !visible;
        if (visible && question.kind === "SINGLE") {
          const value = rawAnswer(form, question);
          if (value) given.set(question.id, value);
        }
      }
    }

    function openSurvey() {
      const meeting = pickedMeeting();
      if (!meeting || !meeting.questionnaire) return;
      const definition = meeting.questionnaire;
      state.survey = { meetingId: meeting.id, meetingTitle: meeting.title, ...definition };
      const form = $("survey-form");
      form.reset();
      $("survey-error").hidden = true;
      $("survey-title").textContent = definition.title;
      $("survey-meeting").textContent = format(T.surveyFor, { meeting: meetingLabel(meeting), version: definition.version });
      $("survey-description").textContent = definition.description || "";
      const list = $("survey-questions");
      list.textContent = "";
      for (const question of definition.questions) list.append(questionNode(question));
      applyShowIf();
      $("enrol-form").hidden = true;
      form.hidden = false;
      form.scrollIntoView({ block: "start" });
    }

    function closeSurvey() {
      const form = $("survey-form");
      form.reset();  // the answers were plaintext: gone as soon as they are sealed or abandoned
      $("survey-questions").textContent = "";
      form.hidden = true;
      $("enrol-form").hidden = false;
      state.survey = null;
    }

    function answerProblem(question, raw) {
      if (question.kind === "MULTIPLE") {
        if (new Set(raw).size !== raw.length || raw.some((v) => !question.choices.includes(v))) return T.answerInvalid;
      } else if (question.kind === "SINGLE") {
        if (!question.choices.includes(raw)) return T.answerInvalid;
      } else if (question.kind === "RATING") {
        if (!["1", "2", "3", "4", "5"].includes(raw)) return T.answerInvalid;
      } else if (question.kind === "NUMBER") {
        const text = raw.replace(/,/g, "");
        const number = Number(text);
        if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) || !Number.isFinite(number) || Math.abs(number) >= 1e9) {
          return T.enterNumber;
        }
      } else if (raw.length > MAX_TEXT_ANSWER) {
        return T.answerTooLong;
      }
      return "";
    }

    function readSurvey(form) {
      const answers = {};
      for (const question of state.survey.questions) {
        const node = form.querySelector(`fieldset[data-qid="${question.id}"]`);
        node.classList.remove("invalid");
        if (node.hidden) continue;
        const raw = rawAnswer(form, question);
        const empty = Array.isArray(raw) ? !raw.length : !raw;
        const problem = empty ? (question.required ? T.answerRequired : "") : answerProblem(question, raw);
        if (problem) return { error: [node, format(T.questionProblem, { n: question.position, problem })] };
        if (!empty) answers[question.id] = raw;
      }
      return {
        record: {
          kind: "response",
          record_uuid: crypto.randomUUID(),
          meeting_id: state.survey.meetingId,
          version_id: state.survey.version_id,
          answers,
          collected_at: new Date().toISOString(),
        },
      };
    }

    async function onSurveySubmit(event) {
      event.preventDefault();
      const form = event.target;
      const error = $("survey-error");
      error.hidden = true;
      const { record, error: problem } = readSurvey(form);
      if (!problem && encoder.encode(JSON.stringify(record)).length > MAX_RECORD_BYTES) {
        error.textContent = T.surveyTooLong;
        error.hidden = false;
        return;
      }
      if (problem) {
        const [node, message] = problem;
        node.classList.add("invalid");
        error.textContent = message;
        error.hidden = false;
        node.scrollIntoView({ block: "center" });
        const input = node.querySelector("input, textarea");
        if (input) input.focus({ preventScroll: true });
        return;
      }
      const envelope = await sealRecord(record, state.device);
      await saveRecord(state.db, {
        uuid: record.record_uuid,
        label: format(T.surveyLabel, { title: state.survey.meetingTitle }),
        envelope,
        status: "pending",
        code: "",
        message: "",
        createdAt: record.collected_at,
      });
      closeSurvey();
      toast(T.surveySaved);
      await reload();
      sync();
    }

    async function reload() {
      state.records = await loadRecords(state.db);
      render();
    }

    async function refreshConfig() {
      let response;
      try {
        response = await signedFetch(state.device, "GET", body.dataset.apiDevice, "");
      } catch (error) {
        return false;
      }
      noteServerClock(response);
      const data = await response.json().catch(() => ({}));
      if (response.ok) {
        Object.assign(state.device, {
          name: data.name, status: data.status, unions: data.unions, meetings: data.meetings || [],
          serverKey: data.server_key,
          collectorName: data.collector_name, unitName: data.unit_name, policyVersion: data.policy_version,
          problem: "",
        });
        fillUnions();
        fillMeetings();
      } else if (response.status === 403) {
        state.device.status = "REVOKED";
        state.device.refusal = data.message || T.revokedBanner;
      } else if (response.status === 401 && data.code !== "request_expired") {
        state.device.problem = data.message || "";
      }
      await saveDevice(state.db, state.device);
      return response.ok;
    }

    // Once the server refuses the device, no queued record will ever be accepted from it: say so on each.
    async function refuseAll(code, message) {
      for (const record of state.records.filter((r) => r.status === "pending")) {
        Object.assign(record, { status: "rejected", code, message });
        await saveRecord(state.db, record);
      }
    }

    // Send a batch of queued records in one signed request. True: carry on with the next batch; false:
    // stop this round (network or device problem). The server answers each record; a 409 or 5xx stores
    // nothing of the batch, so every record of it stays pending and is sent again.
    async function sendBatch(records, retried) {
      const payload = JSON.stringify({
        device_id: state.device.deviceId,
        nonce: toBase64(crypto.getRandomValues(new Uint8Array(16))),
        uploads: records.map((record) => ({
          record_uuid: record.uuid, created_at: record.createdAt, envelope: record.envelope,
        })),
      });
      const noteOnAll = async (message) => {
        for (const record of records) {
          record.message = message;
          await saveRecord(state.db, record);
        }
      };
      let response;
      try {
        response = await signedFetch(state.device, "POST", body.dataset.apiBatch, payload);
      } catch (error) {
        // Timed out or no network: the server may or may not have stored them. Re-sending is safe, since
        // the server keeps each record UUID once.
        await noteOnAll(T.networkError);
        return false;
      }
      noteServerClock(response);
      const data = await response.json().catch(() => ({}));
      if (response.status === 200 && !Array.isArray(data.results)) {
        // A 200 that is not the server's answer (a captive portal, a cut-off body): nothing is known.
        await noteOnAll(T.retryLater);
        return false;
      }
      if (response.status === 200) {
        const byUuid = new Map(data.results.map((result) => [result.record_uuid, result]));
        for (const record of records) {
          const result = byUuid.get(record.uuid);
          if (!result) continue;
          Object.assign(record, {
            status: result.status === "accepted" ? "sent" : "rejected", code: result.code, message: result.message || "",
            warned: Boolean(result.warnings && result.warnings.length),
          });
          await saveRecord(state.db, record);
        }
        return true;
      }
      if (response.status === 401 && data.code === "request_expired" && !retried) {
        return sendBatch(records, true);
      }
      if (response.status === 403) {
        state.device.status = "REVOKED";
        state.device.refusal = data.message || T.revokedBanner;
        await saveDevice(state.db, state.device);
        await refuseAll(data.code || "device_revoked", state.device.refusal);
        return false;
      }
      if (response.status === 401) {
        state.device.problem = data.message || "";
        await saveDevice(state.db, state.device);
        return false;
      }
      if (response.status === 409 || response.status === 429 || response.status >= 500) {
        await noteOnAll(T.retryLater);
        return false;
      }
      // Any other 4xx is the server's final word on this request. For a batch it may be one bad record
      // (too long, malformed): send each alone, so only that one is rejected. For one record: show it.
      if (records.length > 1) {
        for (const record of records) {
          if (!(await sendBatch([record], false))) return false;
        }
        return true;
      }
      for (const record of records) {
        Object.assign(record, { status: "rejected", code: data.code || String(response.status), message: data.message || "" });
        await saveRecord(state.db, record);
      }
      return true;
    }

    async function sync() {
      if (state.syncing || !navigator.onLine || state.device.status === "REVOKED") return;
      state.syncing = true;
      clearTimeout(state.retryTimer);
      try {
        // Records first: a revoked phone's attempt is refused *and logged*, so the officer sees it.
        state.records = await loadRecords(state.db);
        const pending = state.records
          .filter((r) => r.status === "pending")
          .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
        for (let start = 0; start < pending.length; start += BATCH_SIZE) {
          if (!(await sendBatch(pending.slice(start, start + BATCH_SIZE), false))) break;
        }
        if (state.device.status !== "REVOKED") await refreshConfig();
      } finally {
        state.syncing = false;
        await reload();
        if (counts().pending && state.device.status !== "REVOKED") {
          state.retryTimer = setTimeout(() => { sync().catch(reportError); }, state.retryMs);
          state.retryMs = Math.min(state.retryMs * 2, RETRY_MAX_MS);
        } else {
          state.retryMs = RETRY_FIRST_MS;
        }
      }
    }

    function fieldError(form, name, message) {
      const error = $("form-error");
      error.textContent = message;
      error.hidden = false;
      const field = form.elements[name];
      if (field && field.focus) field.focus();
    }

    function readForm(form) {
      const f = form.elements;
      const residentId = normaliseResidentId(f.resident_id.value);
      const phone = f.phone.value.replace(/[\s-]/g, "").replace(/^\+?86(?=1\d{10}$)/, "");
      const checks = [
        ["union", !f.union.value, T.unionRequired],
        ["name", !f.name.value.trim(), T.nameRequired],
        ["resident_id", true, residentIdProblem(residentId)],
        ["phone", phone && !/^1[3-9]\d{9}$/.test(phone), T.phoneInvalid],
        ["consent", !f.consent.checked, T.consentRequired],
      ];
      for (const [name, failed, message] of checks) {
        if (failed && message) return { error: [name, message] };
      }
      return {
        record: {
          record_uuid: crypto.randomUUID(),
          union_id: Number(f.union.value),
          meeting_id: f.meeting.value ? Number(f.meeting.value) : null,
          name: f.name.value.trim(),
          resident_id: residentId,
          phone,
          ethnicity: f.ethnicity.value.trim(),
          education: f.education.value,
          political_status: f.political_status.value,
          hukou_type: f.hukou_type.value,
          is_migrant_worker: f.is_migrant_worker.checked,
          employer_name: f.employer_name.value.trim(),
          employment_status: f.employment_status.value,
          consent: true,
          collected_at: new Date().toISOString(),
        },
      };
    }

    async function onSubmit(event) {
      event.preventDefault();
      const form = event.target;
      $("form-error").hidden = true;
      const { record, error } = readForm(form);
      if (error) {
        fieldError(form, ...error);
        return;
      }
      const envelope = await sealRecord(record, state.device);
      const meeting = (state.device.meetings || []).find((m) => m.id === record.meeting_id);
      await saveRecord(state.db, {
        uuid: record.record_uuid,
        label: [maskedLabel(record.name, record.resident_id), meeting && meeting.title].filter(Boolean).join(" · "),
        envelope,
        status: "pending",
        code: "",
        message: "",
        createdAt: record.collected_at,
      });
      // The form held the plaintext; clear it at once, keeping only the union and meeting for the next worker.
      const union = form.elements.union.value;
      const meetingId = form.elements.meeting.value;
      form.reset();
      form.elements.union.value = union;
      form.elements.meeting.value = meetingId;
      state.device.lastUnion = union;
      state.device.lastMeeting = meetingId;
      await saveDevice(state.db, state.device);
      toast(T.saved);
      await reload();
      sync();
    }

    // ---- 拍身份证: read the card from a photo, fill the form, mark what to check -----------------
    // The photo is downscaled here (a phone camera's 12 MP file would take long on a site's network and
    // the reader needs about 1,600 px), sent once, signed like the uploads, and never stored on the phone.
    const ID_PHOTO_SIDE = 1600;
    const ID_PHOTO_FIELDS = ["name", "resident_id", "ethnicity"];

    async function downscale(file) {
      const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
      const scale = Math.min(1, ID_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
    }

    function markField(form, name, item) {
      const input = form.elements[name];
      const wrap = input.closest(".field");
      let hint = wrap.querySelector(".check-hint");
      if (!hint) {
        hint = document.createElement("p");
        hint.className = "check-hint small";
        wrap.appendChild(hint);
      }
      wrap.classList.toggle("check-me", !item.confirmed);
      hint.textContent = item.confirmed ? "" : item.problem_label;
      hint.hidden = item.confirmed;
    }

    async function onIdPhoto(event) {
      const input = event.target;
      const file = input.files && input.files[0];
      input.value = "";
      const status = $("idphoto-status");
      if (!file) return;
      if (!navigator.onLine) {
        status.textContent = T.idPhotoOffline;
        return;
      }
      status.textContent = T.idPhotoReading;
      const blob = await downscale(file);
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let response;
      try {
        response = await signedFetch(state.device, "POST", body.dataset.apiIdcard, bytes, {
          // Reading takes a second or two; on a busy server longer. The collector can type meanwhile.
          contentType: "image/jpeg", query: "?side=front", timeoutMs: 90000,
        });
      } catch (error) {
        status.textContent = error.name === "AbortError" ? T.idPhotoFailed : T.idPhotoOffline;
        return;
      }
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        status.textContent = data.message || T.idPhotoFailed;
        return;
      }
      const form = $("enrol-form");
      let toCheck = 0;
      for (const name of ID_PHOTO_FIELDS) {
        const item = data.fields[name];
        if (!item) continue;
        if (item.value) form.elements[name].value = item.value;
        markField(form, name, item);
        if (!item.confirmed) toCheck += 1;
      }
      status.textContent = toCheck ? format(T.idPhotoCheck, { n: toCheck }) : T.idPhotoDone;
    }

    async function clearDone() {
      const done = state.records.filter((r) => r.status !== "pending");
      if (!done.length || !window.confirm(T.confirmClear)) return;
      for (const record of done) await removeRecord(state.db, record.uuid);
      await reload();
    }

    async function askForPersistentStorage() {
      if (!navigator.storage || !navigator.storage.persist) return;
      const persisted = (await navigator.storage.persisted()) || (await navigator.storage.persist());
      body.dataset.storagePersisted = String(persisted);
      banner("banner-storage", persisted ? "" : T.storageNotPersisted, "info");
    }

    // -- start
    if (!cryptoAvailable()) {
      banner("banner-crypto", T.noCrypto, "danger");
      return;
    }
    state.db = await openDb();
    state.device = await loadDevice(state.db);
    if (!state.device) {
      $("unpaired").hidden = false;
      return;
    }
    $("main").hidden = false;
    fillUnions();
    fillMeetings();
    await reload();
    $("f-union").addEventListener("change", fillMeetings);
    $("f-meeting").addEventListener("change", showSurveyButton);
    $("open-survey").addEventListener("click", openSurvey);
    $("close-survey").addEventListener("click", closeSurvey);
    $("survey-form").addEventListener("change", (event) => {
      // An answer changed: the earlier complaint may no longer hold; the next save checks again.
      const node = event.target.closest("fieldset.question");
      if (node && node.classList.contains("invalid")) {
        node.classList.remove("invalid");
        $("survey-error").hidden = true;
      }
      applyShowIf();
    });
    $("survey-form").addEventListener("submit", (event) => { onSurveySubmit(event).catch(reportError); });
    $("enrol-form").addEventListener("submit", (event) => { onSubmit(event).catch(reportError); });
    if (body.dataset.apiIdcard) {
      $("idphoto-field").hidden = false;
      $("f-idphoto").addEventListener("change", (event) => { onIdPhoto(event).catch(reportError); });
      // A corrected field is the collector's word: it no longer needs the mark.
      $("enrol-form").addEventListener("input", (event) => {
        const wrap = event.target.closest(".field.check-me");
        if (wrap) {
          wrap.classList.remove("check-me");
          const hint = wrap.querySelector(".check-hint");
          if (hint) hint.hidden = true;
        }
      });
    }
    $("send-now").addEventListener("click", () => { sync().catch(reportError); });
    $("clear-done").addEventListener("click", () => { clearDone().catch(reportError); });
    window.addEventListener("online", () => { render(); sync().catch(reportError); });
    window.addEventListener("offline", render);
    // Leaving (or reloading) while records are unsent is safe, as they are stored, but a collector who
    // is about to clear the browser or hand the phone back should know that records have not gone yet.
    window.addEventListener("beforeunload", (event) => {
      if (counts().pending) {
        event.preventDefault();
        event.returnValue = T.leaveWarning;
      }
    });
    await askForPersistentStorage().catch(reportError);
    body.dataset.ready = "true";
    await sync();
  }

  // ---- pairing -------------------------------------------------------------------------------------
  async function startPairing() {
    const button = $("pair-button");
    if (!button) return;
    if (!cryptoAvailable()) {
      banner("banner-crypto", T.noCrypto, "danger");
      button.disabled = true;
      return;
    }
    const db = await openDb();
    const previous = await loadDevice(db);
    if (previous) banner("banner-replace", format(T.pairReplace, { name: previous.name }), "warn");
    button.addEventListener("click", async () => {
      const status = $("pair-status");
      button.disabled = true;
      status.textContent = T.pairing;
      // Non-extractable: the browser signs with it but will never export the private key.
      const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
      const publicKey = toBase64(await crypto.subtle.exportKey("spki", keys.publicKey));
      let response;
      try {
        response = await fetch(body.dataset.apiPair, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ token: body.dataset.token, public_key: publicKey }),
          credentials: "omit",
        });
      } catch (error) {
        status.textContent = T.networkError;
        button.disabled = false;
        return;
      }
      const data = await response.json().catch(() => ({}));
      if (!response.ok) {
        status.textContent = data.message || String(response.status);
        return;
      }
      await saveDevice(db, deviceFromConfig(data, keys.privateKey, previous));
      // Records a revoked registration could not send may go again: an officer has trusted this phone anew.
      const records = await loadRecords(db);
      for (const record of records.filter((r) => r.code === "device_revoked")) {
        Object.assign(record, { status: "pending", code: "", message: "" });
        await saveRecord(db, record);
      }
      status.textContent = T.paired;
      window.location.replace(body.dataset.appUrl);
    });
    body.dataset.ready = "true";
  }

  function reportError(error) {
    banner("banner-error", String(error && error.message ? error.message : error), "danger");
    // Still surface it to the developer console, where the browser tests look for script errors.
    setTimeout(() => { throw error; });
  }

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.scope }).catch(() => {
      // Without a worker the page still works while it stays open; it just cannot reload offline.
    });
  }

  registerServiceWorker();
  const start = body.dataset.page === "pair" ? startPairing : startApp;
  start().catch(reportError);
})();
