package dev.tokenkeeper.ecosystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation stands alone: every relative link of the Markdown files points to a file of
 * the repository (and to a heading that exists), no source or document refers to the provider
 * documents the library was built from by their internal labels instead of the providers' public
 * API names, and every public type of an API package states its thread-safety.
 */
class StandAloneDocsTest {
  private static final Path ROOT = repositoryRoot();

  /** A Markdown link target: {@code ](target)} or {@code ](target "title")}. */
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
  private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}\\s+(.*)$");
  private static final Pattern FENCE = Pattern.compile("(?s)```.*?```");

  /**
   * Labels of the provider documents that are not in the repository, assembled so that this file
   * does not match itself: numbered seeds, a generated SDK's request class names, an OpenAPI
   * document's anonymous schema name, and the project's internal design notes.
   */
  private static final Pattern OUTSIDE_LABEL = Pattern.compile(String.join("|",
      "(?i)\\bseeds? ?0\\d\\d\\b", "\\bSeed0\\d\\d", "Get" + "TokenRequest", "\\bBody" + "2\\b",
      "Auth" + "TokenRequest", "DESIGN" + "\\.md", "STYLE" + "\\.md"));

  private static final Pattern PUBLIC_TYPE = Pattern.compile(
      "(?m)^\\s*public\\s+(?:(?:final|abstract|sealed|non-sealed|static)\\s+)*"
          + "(?:class|interface|record|enum|@interface)\\s+(\\w+)");
  private static final Pattern THREAD_SAFETY =
      Pattern.compile("(?i)thread-safe|thread safe|immutable|stateless");

  @Test
  void everyRelativeLinkOfTheMarkdownPointsIntoTheRepository() throws IOException {
    List<Path> documents = markdown();
    List<String> broken = new ArrayList<>();
    int links = 0;
    for (Path md : documents) {
      String text = FENCE.matcher(Files.readString(md, StandardCharsets.UTF_8)).replaceAll("");
      Matcher m = LINK.matcher(text);
      while (m.find()) {
        String target = m.group(1);
        if (target.matches("[a-zA-Z][a-zA-Z+.-]*:.*")) {
          continue; // https:, mailto: ...
        }
        links++;
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path resolved = file.isEmpty() ? md : md.getParent().resolve(file).normalize();
        if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
          broken.add(ROOT.relativize(md) + ": " + target + " (no such file in the repository)");
        } else if (anchor != null && resolved.toString().endsWith(".md")
            && !anchors(resolved).contains(anchor)) {
          broken.add(ROOT.relativize(md) + ": " + target + " (no such heading)");
        }
      }
    }
    assertEquals(List.of(), broken);
    assertTrue(documents.size() >= 4 && links > 10,
        documents.size() + " documents and " + links + " links: the scan found the docs");
  }

  @Test
  void noSourceOrDocumentNamesTheProviderDocumentsByAnInternalLabel() throws IOException {
    List<String> found = new ArrayList<>();
    List<Path> files = new ArrayList<>(markdown());
    files.addAll(sources("src/main/java"));
    files.addAll(sources("src/test/java"));
    for (Path file : files) {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        Matcher m = OUTSIDE_LABEL.matcher(lines.get(i));
        if (m.find()) {
          found.add(ROOT.relativize(file) + ":" + (i + 1) + ": " + m.group());
        }
      }
    }
    assertEquals(List.of(), found, "name the providers' APIs by their public names, e.g."
        + " \"RingCentral's token API (POST /restapi/oauth/token)\"");
    assertTrue(files.size() > 300, files.size() + " files: the scan found the sources");
  }

  @Test
  void everyPublicTypeOfAnApiPackageStatesItsThreadSafety() throws IOException {
    List<String> silent = new ArrayList<>();
    int types = 0;
    for (Path file : sources("src/main/java")) {
      String path = ROOT.relativize(file).toString().replace('\\', '/');
      if (path.contains("/internal/") || path.startsWith("benchmarks/")
          || file.endsWith("module-info.java") || file.endsWith("package-info.java")) {
        continue;
      }
      String text = Files.readString(file, StandardCharsets.UTF_8);
      Matcher m = PUBLIC_TYPE.matcher(text);
      while (m.find()) {
        types++;
        String before = text.substring(0, m.start());
        int open = before.lastIndexOf("/**");
        int close = before.lastIndexOf("*/");
        boolean documented = open >= 0 && close > open
            && before.substring(close + 2).strip().replaceAll("@\\w+(\\([^)]*\\))?", "").isBlank();
        if (!documented || !THREAD_SAFETY.matcher(before.substring(open, close)).find()) {
          silent.add(path + ": " + m.group(1));
        }
      }
    }
    assertEquals(List.of(), silent, "say \"Thread-safe\", \"Immutable\" or \"Not thread-safe\""
        + " in the first paragraph of the type's Javadoc");
    assertTrue(types > 50, types + " public types: the scan found the API");
  }

  private static List<Path> markdown() throws IOException {
    List<Path> found = new ArrayList<>();
    found.add(ROOT.resolve("README.md"));
    try (Stream<Path> modules = Files.list(ROOT)) {
      modules.filter(Files::isDirectory).forEach(dir -> {
        try (Stream<Path> docs = Files.list(dir)) {
          docs.filter(p -> p.getFileName().toString().endsWith(".md")).forEach(found::add);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
    return found;
  }

  /** The {@code .java} files under {@code <module>/<tree>} of every module, nested ones too. */
  private static List<Path> sources(String tree) throws IOException {
    try (Stream<Path> all = Files.walk(ROOT)) {
      return all.filter(p -> p.toString().endsWith(".java"))
          .filter(p -> {
            String rel = ROOT.relativize(p).toString().replace('\\', '/');
            return rel.contains("/" + tree + "/") && !rel.contains("/target/")
                && !rel.startsWith(".");
          })
          .toList();
    }
  }

  /** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
  private static Set<String> anchors(Path md) {
    try {
      Set<String> anchors = new HashSet<>();
      Matcher m = HEADING.matcher(FENCE.matcher(Files.readString(md, StandardCharsets.UTF_8))
          .replaceAll(""));
      while (m.find()) {
        String heading = m.group(1).replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1");
        anchors.add(heading.strip().toLowerCase(Locale.ROOT)
            .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
      }
      return anchors;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path repositoryRoot() {
    Path root = Path.of(System.getProperty("user.dir")).toAbsolutePath().getParent();
    if (!Files.exists(root.resolve("pom.xml")) || !Files.exists(root.resolve("core"))) {
      throw new IllegalStateException("run from the ecosystem-tests module: no repository at "
          + root);
    }
    try {
      return root.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
