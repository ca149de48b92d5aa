// perfxl upload page: drag and drop, an upload progress bar, and the check-status poll.
// The pages work without this file (plain form submit, <meta http-equiv="refresh">).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function show(el, text, isError) {
    if (!el) { return; }
    el.textContent = text;
    el.hidden = false;
    el.className = isError ? "error" : "note";
  }

  function setupUpload(form) {
    var input = form.querySelector('input[type="file"][name="file"]');
    var zone = document.getElementById("drop-zone");
    var bar = document.getElementById("upload-progress");
    var message = document.getElementById("upload-message");
    var button = document.getElementById("upload-submit");
    var max = parseInt(form.getAttribute("data-max-upload") || "0", 10);

    if (zone && input) {
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function (e) { e.preventDefault(); zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (e) {
        if (e.dataTransfer && e.dataTransfer.files.length) {
          input.files = e.dataTransfer.files;
          show(message, "已选择：" + input.files[0].name + "，点击“上传并检查”。", false);
        }
      });
    }

    form.addEventListener("submit", function (e) {
      if (!window.XMLHttpRequest || !window.FormData || !input || !input.files.length) { return; }
      var file = input.files[0];
      e.preventDefault();
      if (max && file.size > max) {
        show(message, "文件太大：不能超过 " + Math.round(max / 1048576) + " MB。请删除无关的工作表、图片后另存再上传。", true);
        return;
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action"));
      xhr.setRequestHeader("X-CSRF-Token", csrfToken());
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      if (bar) { bar.hidden = false; bar.value = 0; }
      if (button) { button.disabled = true; }
      show(message, "正在上传……", false);
      xhr.upload.addEventListener("progress", function (ev) {
        if (ev.lengthComputable && bar) {
          bar.value = Math.round(ev.loaded * 100 / ev.total);
          show(message, "正在上传…… " + bar.value + "%", false);
        }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 200 && /\/v\/\d+$/.test(xhr.responseURL || "")) {
          window.location.assign(xhr.responseURL);
          return;
        }
        var text = "上传未成功，请重试。";
        try { text = JSON.parse(xhr.responseText).error || text; } catch (err) { /* not JSON */ }
        if (bar) { bar.hidden = true; }
        if (button) { button.disabled = false; }
        show(message, text, true);
      });
      xhr.addEventListener("error", function () {
        if (bar) { bar.hidden = true; }
        if (button) { button.disabled = false; }
        show(message, "上传中断（网络连接出错或文件太大），请重试。", true);
      });
      var data = new FormData();
      data.append("csrf", csrfToken());
      data.append("file", file, file.name);
      xhr.send(data);
    });
  }

  function pollCheck(section) {
    var url = section.getAttribute("data-status-url");
    if (!url || !window.fetch) { return; }
    function tick() {
      fetch(url, { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.status && s.status !== "checking") { window.location.reload(); }
          else { window.setTimeout(tick, 1000); }
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    window.setTimeout(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("upload-form");
    if (form) { setupUpload(form); }
    var check = document.getElementById("check");
    if (check && check.getAttribute("data-status") === "checking") { pollCheck(check); }
  });
})();
