/* 拍身份证 on the console's member form and the worker's join page: downscale the photo here, send it once
 * to /api/v1/idcard/read (the session; on the join page the link token and the verified phone's ticket), fill
 * the form's name / resident_id / ethnicity and mark what the checks did not confirm. The photo is not kept. */
(() => {
  "use strict";
  const SIDE = 1600;
  const FIELDS = ["name", "resident_id", "ethnicity"];

  async function downscale(file) {
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    const scale = Math.min(1, SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
  }

  function mark(form, name, item) {
    const input = form.elements[name];
    if (!input) return false;
    if (item.value && input.tagName === "SELECT") {
      // A list of ethnic groups says 汉族 where the card prints 汉.
      const option = Array.from(input.options).find((o) => [item.value, `${item.value}族`].includes(o.value)
        || [item.value, `${item.value}族`].includes(o.textContent.trim()));
      if (option) input.value = option.value;
    } else if (item.value) {
      input.value = item.value;
    }
    const wrap = input.closest(".field") || input.parentElement;
    let hint = wrap.querySelector(".check-hint");
    if (!hint) {
      hint = document.createElement("p");
      hint.className = "check-hint small";
      wrap.appendChild(hint);
    }
    wrap.classList.toggle("check-me", !item.confirmed);
    hint.textContent = item.confirmed ? "" : item.problem_label;
    hint.hidden = item.confirmed;
    return !item.confirmed;
  }

  function attach(box) {
    const form = box.closest("form");
    const input = box.querySelector("input[type=file]");
    const status = box.querySelector("[data-id-photo-status]");
    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      input.value = "";
      if (!file) return;
      if (!navigator.onLine) {
        status.textContent = box.dataset.offline;
        return;
      }
      status.textContent = box.dataset.reading;
      try {
        const blob = await downscale(file);
        const token = form.querySelector("input[name=csrfmiddlewaretoken]");
        const response = await fetch(box.dataset.api, {
          method: "POST",
          body: blob,
          headers: { "Content-Type": "image/jpeg", "X-CSRFToken": token ? token.value : "" },
          credentials: "same-origin",
          cache: "no-store",
        });
        const data = await response.json().catch(() => ({}));
        if (!response.ok) {
          status.textContent = data.message || box.dataset.failed;
          return;
        }
        let toCheck = 0;
        for (const name of FIELDS) if (data.fields[name] && mark(form, name, data.fields[name])) toCheck += 1;
        status.textContent = toCheck ? box.dataset.check.replace("%(n)s", String(toCheck)) : box.dataset.done;
      } catch (error) {
        status.textContent = box.dataset.failed;
      }
    });
    // A corrected field is the person's word: it no longer needs the mark.
    form.addEventListener("input", (event) => {
      const wrap = event.target.closest(".check-me");
      if (!wrap) return;
      wrap.classList.remove("check-me");
      const hint = wrap.querySelector(".check-hint");
      if (hint) hint.hidden = true;
    });
  }

  document.querySelectorAll("[data-id-photo]").forEach(attach);
})();
