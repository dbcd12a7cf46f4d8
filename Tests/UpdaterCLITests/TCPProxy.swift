import Foundation

/// A TCP proxy in front of the test PostgreSQL that a test can cut and restore: the network
/// between one replica and its database failing for real, while the database and the other
/// replicas carry on. A small Python program (python3 is on every machine the suite runs on:
/// `scripts/with-test-postgres.sh` uses it too) run as a child process, controlled by signals.
///
/// ```swift
/// let proxy = try await TCPProxy(upstream: location)
/// let service = try ServiceProcess(["start", …], in: folder)   // configured with proxy.location
/// try await proxy.cut()       // existing connections closed, new ones refused
/// try await proxy.restore()   // listening again, on the same port
/// ```
final class TCPProxy: Sendable {
    /// The PostgreSQL URL the proxy forwards to, with the proxy's address instead.
    let location: String
    private let process: ServiceProcess
    private let folder: URL

    /// Starts a proxy on a free port of 127.0.0.1 forwarding to the host and port of `upstream`
    /// (a `postgres://` or `postgresql://` URL).
    init(upstream: String) async throws {
        guard var components = URLComponents(string: upstream), let host = components.host, let port = components.port else {
            throw CLITestError("not a URL with a host and a port: \(upstream)")
        }
        folder = try CommandRunner.temporaryFolder()
        let script = folder.appendingPathComponent("tcp-proxy.py")
        try Self.script.write(to: script, atomically: true, encoding: .utf8)
        process = try ServiceProcess(["python3", "-u", script.path, host, String(port)], in: folder,
                                     executable: URL(fileURLWithPath: "/usr/bin/env"))
        guard await process.waitForLines(timeout: .seconds(10), where: { $0.hasPrefix("listening ") }),
              let line = process.stdout.split(separator: "\n").first(where: { $0.hasPrefix("listening ") }),
              let listening = Int(line.dropFirst("listening ".count)) else {
            throw CLITestError("the TCP proxy did not start: \(process.stdout)\(process.stderr)")
        }
        components.host = "127.0.0.1"
        components.port = listening
        location = components.string!
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    /// Closes every connection through the proxy and stops listening (a connection attempt is
    /// refused), until ``restore()``.
    func cut() async throws { try await send(SIGUSR1, awaiting: "cut") }

    /// Listens again on the same port, forwarding new connections.
    func restore() async throws { try await send(SIGUSR2, awaiting: "restored") }

    private func send(_ signal: Int32, awaiting reply: String) async throws {
        let before = process.stdout.split(separator: "\n").filter { $0 == reply }.count
        process.signal(signal)
        guard await process.waitForLines(before + 1, timeout: .seconds(10), where: { $0 == reply }) else {
            throw CLITestError("the TCP proxy did not answer \(reply): \(process.stdout)\(process.stderr)")
        }
    }

    /// The proxy: `python3 tcp-proxy.py HOST PORT`. SIGUSR1 aborts every connection and closes
    /// the listening socket; SIGUSR2 listens again (SO_REUSEADDR, so the same port is free even
    /// with connections in TIME_WAIT). It reports on stdout, one line each: `listening PORT`,
    /// `cut`, `restored`.
    private static let script = #"""
        import asyncio, signal, sys

        async def main():
            host, port = sys.argv[1], int(sys.argv[2])
            loop = asyncio.get_running_loop()
            connections = set()
            state = {"server": None, "port": 0}
            stopped = asyncio.Event()

            async def pump(reader, writer):
                try:
                    while True:
                        data = await reader.read(65536)
                        if not data:
                            break
                        writer.write(data)
                        await writer.drain()
                except (OSError, asyncio.CancelledError):
                    pass
                finally:
                    writer.transport.abort()

            async def handle(client_reader, client_writer):
                try:
                    server_reader, server_writer = await asyncio.open_connection(host, port)
                except OSError:
                    client_writer.transport.abort()
                    return
                pair = (client_writer, server_writer)
                connections.add(pair)
                try:
                    await asyncio.gather(pump(client_reader, server_writer), pump(server_reader, client_writer))
                except asyncio.CancelledError:
                    pass
                finally:
                    connections.discard(pair)

            async def listen():
                state["server"] = await asyncio.start_server(handle, "127.0.0.1", state["port"], reuse_address=True)
                state["port"] = state["server"].sockets[0].getsockname()[1]

            def cut():
                if state["server"] is not None:
                    state["server"].close()
                    state["server"] = None
                for client, server in list(connections):
                    client.transport.abort()
                    server.transport.abort()
                connections.clear()
                print("cut", flush=True)

            async def restore():
                if state["server"] is None:
                    await listen()
                print("restored", flush=True)

            await listen()
            # The test runner's children may inherit these blocked.
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM})
            loop.add_signal_handler(signal.SIGUSR1, cut)
            loop.add_signal_handler(signal.SIGUSR2, lambda: asyncio.ensure_future(restore()))
            loop.add_signal_handler(signal.SIGTERM, stopped.set)
            print("listening", state["port"], flush=True)
            await stopped.wait()

        asyncio.run(main())
        """#
}
