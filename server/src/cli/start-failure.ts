/**
 * A failure at start, in one line: the port taken or forbidden, a host that does not resolve,
 * a database that cannot be opened. Only an unexpected bug keeps its stack, and then under
 * `NATTER_DEBUG=1` alone: an operator sees one line either way.
 */
export function describeStartFailure(error: unknown): string {
  const { code, syscall, address, port, message } = (error ?? {}) as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  if (syscall === "listen") {
    const where = `${address}:${port}`;
    if (code === "EADDRINUSE") {
      return `natter: ${where} is already in use; stop what listens there, or choose another port with --port or NATTER_PORT`;
    }
    if (code === "EACCES") {
      return `natter: no permission to listen on ${where}; choose a port above 1023 with --port or NATTER_PORT`;
    }
    return `natter: cannot listen on ${where}: ${code}`;
  }
  if (syscall === "getaddrinfo")
    return `natter: cannot resolve the host to listen on (${code}); check --host or NATTER_HOST`;
  if (process.env.NATTER_DEBUG === "1" && error instanceof Error && error.stack) return error.stack;
  const text = typeof message === "string" && message ? message.split("\n")[0] : String(error);
  return `natter: ${text}`;
}
