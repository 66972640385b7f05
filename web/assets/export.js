// Progressive enhancement of the export link: the browser downloads the file itself, streamed
// to disk however large it is; this only says that the download is being prepared.
const link = document.getElementById('export-link');
const status = document.getElementById('export-status');
if (link && status) {
  link.addEventListener('click', () => {
    status.textContent = link.dataset.progress || '';
    setTimeout(() => (status.textContent = ''), 10000);
  });
}
