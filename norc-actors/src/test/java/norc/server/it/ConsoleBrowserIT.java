package norc.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import norc.client.NorcClient;
import norc.wire.WireEncoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser (headless Chromium through Selenium): the operator opens
 * {@code /console/}, logs in with the admin token, sees the supervision tree with the connection
 * actors of two live clients; a connection actor killed through the admin API disappears from the
 * tree and shows as killed; the message router crashed with its button is restarted by its
 * supervisor and its node shows the restart. Screenshots are kept under
 * {@code target/console-screenshots/}.
 */
class ConsoleBrowserIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path SHOTS = Path.of("target", "console-screenshots");

    @TempDir
    Path dir;

    @Test
    void anOperatorWatchesTheTreeAndItsRestarts() throws Exception {
        Files.createDirectories(SHOTS);
        try (TestServer server = TestServer.start(dir)) {
            NorcClient alice = server.registerNew("browser-alice", WireEncoding.BINARY, new RecordingListener(), null);
            RecordingListener bobHears = new RecordingListener();
            NorcClient bob = server.registerNew("browser-bob", WireEncoding.JSON, bobHears, null);
            ChromeDriver browser = Chromium.start();
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
                // the page re-renders the tree every second: an element found may be replaced before it is read
                wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
                browser.get("http://127.0.0.1:" + server.server.adminPort() + "/console/");
                assertThat(browser.getTitle()).isEqualTo("NORC console");
                browser.findElement(By.id("token")).sendKeys(server.adminToken());
                browser.findElement(By.id("connect")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "live"));
                WebElement tree = browser.findElement(By.id("tree"));
                wait.until(d -> tree.getText().contains("message-router") && tree.getText().contains("connections"));
                assertThat(browser.findElement(By.id("sessions")).getText()).isEqualTo("2");
                wait.until(d -> d.findElement(By.id("sharding")).getText().contains("DeviceSession"));
                assertThat(browser.findElement(By.id("cluster")).getText()).contains("pekko://norc@", "up", "this node leader");
                assertThat(browser.findElements(By.cssSelector("#sparklines .sparkline"))).hasSize(5);
                wait.until(d -> d.findElement(By.id("audit")).getText().startsWith("last entry"));
                assertThat(browser.findElement(By.id("federation")).getText()).contains("no peers");
                assertThat(browser.findElement(By.id("pending")).getText()).contains("none waiting");
                for (int i = 0; i < 30; i++) { // some traffic for the sparklines
                    alice.send(java.util.UUID.randomUUID(), java.util.List.of("browser-bob@" + server.serverId()),
                            ("hello " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8)).get(20, java.util.concurrent.TimeUnit.SECONDS);
                }
                wait.until(d -> !d.findElement(By.cssSelector("#sparklines [data-key='accepted'] .value")).getText().equals("0.0"));
                shot(browser, "1-tree.png");

                // a connection actor killed through the admin API: it stops, its socket closes, the tree loses it
                JsonNode connections = child(JSON.readTree(server.get("/admin/tree").body()).path("user"), "connections");
                String victim = connections.path("children").get(0).path("path").asText();
                assertThat(server.post("/admin/console/crash", "{\"path\":\"" + victim + "\"}").statusCode()).isEqualTo(202);
                wait.until(d -> browser.findElement(By.id("restarts")).getText().contains(victim + " killed"));
                wait.until(ExpectedConditions.textToBe(By.id("sessions"), "1"));
                shot(browser, "2-connection-killed.png");

                // the message router crashed from the page: its supervisor restarts it, the node shows it
                WebElement router = browser.findElement(By.cssSelector("li[data-path='/user/message-router'] > button.crash"));
                router.click();
                wait.until(d -> d.findElement(By.cssSelector("li[data-path='/user/message-router']")).getText().contains("↻ 1"));
                wait.until(d -> browser.findElement(By.id("restarts")).getText().contains("/user/message-router restarted"));
                shot(browser, "3-router-restarted.png");
            } finally {
                browser.quit();
            }
            alice.close();
            bob.close();
        }
    }

    private static void shot(ChromeDriver browser, String name) throws Exception {
        Path taken = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(taken, SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(SHOTS.resolve(name))).isGreaterThan(1000);
    }

    private static JsonNode child(JsonNode node, String name) {
        for (JsonNode child : node.path("children")) {
            if (child.path("name").asText().equals(name)) {
                return child;
            }
        }
        throw new AssertionError("no child " + name);
    }
}
