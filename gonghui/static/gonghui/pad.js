// The card pad: talks to the local device bridges (ID-card reader, fingerprint device) and posts what
// they return, unchanged, to gonghui (contract: docs/cards.md). In development and tests the bridge
// URLs point at gonghui's simulated devices, so the same code path runs either way.
(function () {
  "use strict";
  const csrf = () => document.body.dataset.csrf;

  function stop(message) {
    const box = document.getElementById("stop");
    box.textContent = message;
    box.hidden = false;
    const step = document.getElementById("step");
    if (step) step.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  }

  async function askDevice(button) {
    let url = button.dataset.bridge;
    if (button.dataset.device === "reader") {
      const variant = button.dataset.variantFrom && document.getElementById(button.dataset.variantFrom);
      if (variant) url += (url.includes("?") ? "&" : "?") + "variant=" + encodeURIComponent(variant.value);
      return fetch(url, { credentials: "same-origin" });
    }
    // The fingerprint device signs {device, application, operator, time}; it is asked with a POST.
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify({ application_id: Number(button.dataset.application), operator: button.dataset.operator }),
    });
  }

  async function run(button) {
    button.disabled = true;
    let reading;
    try {
      const answer = await askDevice(button);
      if (!answer.ok) throw new Error(String(answer.status));
      reading = await answer.text();
    } catch (error) {
      button.disabled = false;
      stop(document.documentElement.lang.startsWith("zh") ? "无法连接读卡设备，请检查设备后重试。" : "The device does not answer; check it and try again.");
      document.getElementById("stop").dataset.retry = "1";
      return;
    }
    const posted = await fetch(button.dataset.post, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: reading,
    });
    if (posted.ok) {
      window.location.reload();
      return;
    }
    let message = String(posted.status);
    try { message = (await posted.json()).message || message; } catch (e) { /* not JSON */ }
    stop(message);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-device]");
    if (button) { event.preventDefault(); run(button); }
  });

  // Per-card time: seconds since the member was called up (stopped once handed over).
  function tick() {
    document.querySelectorAll(".timer[data-started]").forEach((el) => {
      const end = el.dataset.stopped ? Number(el.dataset.stopped) : Date.now() / 1000;
      const seconds = Math.max(0, Math.floor(end - Number(el.dataset.started)));
      el.textContent = Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
    });
  }
  tick();
  setInterval(tick, 1000);
})();
