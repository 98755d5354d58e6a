package io.sluice.jobs;

import java.nio.file.Files;
import java.nio.file.Path;

/** The checkout bin/sluice runs from (it passes -Dsluice.home), for the default files under conf/. */
final class SluiceHome {
    private SluiceHome() {}

    /** {@code conf/<relative>} of the checkout, or of the current directory when not started by bin/sluice. */
    static Path conf(String relative) {
        String home = System.getProperty("sluice.home");
        Path base = home != null ? Path.of(home) : Path.of("").toAbsolutePath();
        Path p = base.resolve("conf").resolve(relative);
        if (home == null && !Files.exists(p)) {
            // tests run from a module directory
            Path parent = base.getParent() == null ? base : base.getParent();
            Path up = parent.resolve("conf").resolve(relative);
            if (Files.exists(up)) {
                return up;
            }
        }
        return p;
    }
}
