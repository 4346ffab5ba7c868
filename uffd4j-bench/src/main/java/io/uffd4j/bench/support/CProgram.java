package io.uffd4j.bench.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * A C reference program shipped as a resource and compiled with the machine's gcc on first use,
 * cached by a hash of its source, flags and compiler (so a benchmark always runs what it ships).
 */
public final class CProgram {
    private final Path binary;
    private final String compiler;

    private CProgram(Path binary, String compiler) {
        this.binary = binary;
        this.compiler = compiler;
    }

    /** Builds (or finds in {@code cacheDir}) the program from resource {@code source} next to {@code owner}. */
    public static CProgram build(Class<?> owner, String source, List<String> flags, Path cacheDir)
            throws IOException, InterruptedException {
        byte[] code;
        try (InputStream in = owner.getResourceAsStream(source)) {
            if (in == null) {
                throw new IOException("resource " + source + " is missing next to " + owner.getName());
            }
            code = in.readAllBytes();
        }
        String compiler = commandOutput(List.of("gcc", "--version")).lines().findFirst().orElse("gcc");
        String name = source.replaceAll("\\.c$", "");
        String hash = sha256(code, String.join(" ", flags), compiler).substring(0, 16);
        Files.createDirectories(cacheDir);
        Path exe = cacheDir.resolve(name + "-" + hash);
        if (!Files.isExecutable(exe)) {
            Path src = cacheDir.resolve(name + "-" + hash + ".c");
            Files.write(src, code);
            Path tmp = Files.createTempFile(cacheDir, name + "-", ".tmp");
            List<String> cmd = new ArrayList<>(List.of("gcc"));
            cmd.addAll(flags);
            cmd.addAll(List.of("-o", tmp.toString(), src.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                Files.deleteIfExists(tmp);
                throw new IOException("compiling " + source + " failed: " + String.join(" ", cmd) + "\n" + out);
            }
            Files.move(tmp, exe, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        return new CProgram(exe, compiler);
    }

    /** The default cache: $XDG_CACHE_HOME/uffd4j or ~/.cache/uffd4j. */
    public static Path defaultCache() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("uffd4j");
    }

    public Path binary() {
        return binary;
    }

    public String compiler() {
        return compiler;
    }

    private static String commandOutput(List<String> cmd) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + cmd.getFirst() + ": the C reference needs gcc (apt-get install gcc)", e);
        }
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    private static String sha256(byte[] source, String... more) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(source);
            for (String m : more) {
                d.update((byte) 0);
                d.update(m.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
