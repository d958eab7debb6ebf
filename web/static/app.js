// The console works without this script; it only asks before destructive
// actions and refreshes the login page while a QR code waits for a scan.
document.addEventListener("submit", function (e) {
  var f = e.target;
  if (f.classList && f.classList.contains("confirm") && !window.confirm(f.dataset.confirm || "确定吗？")) {
    e.preventDefault();
  }
});
document.addEventListener("DOMContentLoaded", function () {
  var r = document.querySelector("meta-refresh");
  if (r) {
    setTimeout(function () { window.location.reload(); }, (parseInt(r.dataset.seconds, 10) || 15) * 1000);
  }
});
