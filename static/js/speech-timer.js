// The chair's speech timer: counts down the meeting's speaking time; turns red when time is up.
document.addEventListener("click", (event) => {
  const start = event.target.closest("[data-timer-start]");
  if (!start) return;
  const box = start.closest(".timer");
  const out = box.querySelector("output");
  let left = parseInt(box.dataset.seconds, 10);
  clearInterval(box._timer);
  box.classList.remove("over");
  out.textContent = left;
  box._timer = setInterval(() => {
    left -= 1;
    out.textContent = Math.max(left, 0);
    if (left <= 0) {
      clearInterval(box._timer);
      box.classList.add("over");
    }
  }, 1000);
});
