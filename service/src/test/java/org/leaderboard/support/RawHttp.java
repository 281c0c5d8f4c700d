package org.leaderboard.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client over a plain socket, for requests no ordinary client would send (malformed
 * headers, invalid UTF-8, odd request lines, trickled bytes): it writes exactly the bytes given and
 * reads one response, or notices the server closing the connection.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
    }

    /** A connection to 127.0.0.1:{@code port} whose reads give up after {@code readTimeoutMillis}. */
    public static RawHttp connect(int port, int readTimeoutMillis) {
        return connect(null, port, readTimeoutMillis);
    }

    /** The same from local address {@code from} (e.g. 127.0.0.2), or any when null. */
    public static RawHttp connect(String from, int port, int readTimeoutMillis) {
        try {
            Socket socket = new Socket();
            if (from != null) {
                socket.bind(new InetSocketAddress(from, 0));
            }
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            socket.setSoTimeout(readTimeoutMillis);
            return new RawHttp(socket);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Sends {@code request} on a new connection and reads the one response; the connection is then closed. */
    public static Response exchange(int port, byte[] request) {
        try (RawHttp http = connect(port, 10_000)) {
            http.send(request);
            return http.response();
        }
    }

    public static Response exchange(int port, String request) {
        return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
    }

    public void send(byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    public void send(String text) {
        send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Reads one response: its head, then a body by Content-Length, by chunks, or up to the end of
     * the stream. Null when the server closed the connection without answering.
     */
    public Response response() {
        try {
            String head = readHead(in);
            if (head == null) {
                return null;
            }
            String[] lines = head.split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
            }
            byte[] body;
            if (headers.containsKey("content-length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            }
            else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                body = chunks();
            }
            else if (status == 101 || status == 204 || status == 304) {
                body = new byte[0];
            }
            else {
                body = in.readAllBytes();
            }
            return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Whether the server closed the connection (end of stream or reset) within the read timeout. */
    public boolean closedByServer() {
        try {
            while (in.read() >= 0) {
                // drain whatever came before the close
            }
            return true;
        }
        catch (SocketTimeoutException ex) {
            return false;
        }
        catch (IOException reset) {
            return true;
        }
    }

    /**
     * An HTTP response head read off {@code in} up to its blank line (left out); null when the
     * connection ends first. A read timeout is thrown, a reset counts as the end.
     */
    public static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b;
            try {
                b = in.read();
            }
            catch (SocketTimeoutException ex) {
                throw ex;
            }
            catch (IOException reset) {
                b = -1;
            }
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
    }

    private byte[] chunks() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line();
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                line();
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            line();
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        try {
            socket.close();
        }
        catch (IOException ignored) {
            // closing a socket the test is done with
        }
    }

    /** One response: status, headers (names in lower case), body as UTF-8 text. */
    public record Response(int status, Map<String, String> headers, String body) {

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public boolean isProblem() {
            String type = header("content-type");
            return type != null && type.startsWith("application/problem+json") && body.contains("\"status\":" + status);
        }
    }
}
