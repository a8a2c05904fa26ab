/**
 * Reports a long command's progress on stderr (stdout keeps its one JSON answer): at most one
 * line a second, and the last one always.
 */
export function progressLine(command: string): (done: number, total: number) => void {
  let shownAt = 0;
  return (done, total) => {
    const now = performance.now();
    if (done < total && now - shownAt < 1000) return;
    shownAt = now;
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    process.stderr.write(`natter ${command}: ${percent}% (${mb(done)} of ${mb(total)} MB)\n`);
  };
}
