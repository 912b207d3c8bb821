package norc.server.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium and its chromedriver for browser tests, installed with apt when they
 * are missing (CI runs as root on a fresh machine). Nothing is downloaded by Selenium itself: the
 * driver and the browser are named by path.
 */
final class Chromium {
    private static final Path BROWSER = Path.of("/usr/bin/chromium");
    private static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    private Chromium() {}

    static ChromeDriver start() throws Exception {
        install();
        ChromeOptions options = new ChromeOptions().setBinary(BROWSER.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                        "--window-size=1280,1000", "--no-first-run", "--disable-extensions");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .withTimeout(Duration.ofSeconds(60)).build();
        return new ChromeDriver(service, options);
    }

    private static void install() throws Exception {
        if (Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER)) {
            return;
        }
        Process apt = new ProcessBuilder("sh", "-c",
                "DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver >/dev/null 2>&1"
                        + " || (apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q"
                        + " chromium chromium-driver >/dev/null 2>&1)").inheritIO().start();
        if (!apt.waitFor(10, TimeUnit.MINUTES) || apt.exitValue() != 0 || !Files.isExecutable(DRIVER)) {
            throw new IllegalStateException("Chromium and chromedriver are needed: apt-get install chromium chromium-driver (as root)");
        }
    }
}
