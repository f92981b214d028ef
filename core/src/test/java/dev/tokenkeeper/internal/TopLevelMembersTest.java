package dev.tokenkeeper.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The top-level member walk the parser uses to read an answer with duplicate member names. */
class TopLevelMembersTest {

  private static List<String> members(String json, boolean wellFormed) {
    List<String> seen = new ArrayList<>();
    assertEquals(wellFormed, TopLevelMembers.scan(json, (n, v) -> seen.add(n + "=" + v)), json);
    return seen;
  }

  @Test
  void reportsEveryTopLevelMemberWithItsStringValueAndDuplicatesAsOftenAsTheyAppear() {
    assertEquals(List.of("access_token=a", "refresh_token=r\"/\u00e9", "expires_in=null",
            "nested=null", "list=null", "refresh_token=r\"/\u00e9", "flag=null"),
        members(" {\"access_token\":\"a\", \"refresh_token\":\"r\\\"\\/\\u00e9\", \"expires_in\":"
            + " 3600,\"nested\":{\"refresh_token\":\"inner\",\"x\":[1,\"}]\"]},\"list\":[{},[]],"
            + "\"refresh_token\":\"r\\\"\\/\\u00e9\",\"flag\":true}\n", true));
    assertEquals(List.of(), members("{}", true));
  }

  @Test
  void refusesWhatIsNotOneWellFormedObject() {
    for (String bad : List.of("", "[]", "{", "{\"a\"}", "{\"a\":1,}", "{\"a\":1} x", "{\"a\":\"\\q\"}",
        "{\"a\":\"\\u12\"}", "{\"a\":\"unterminated}", "{\"a\":1 \"b\":2}", "{a:1}")) {
      members(bad, false);
    }
    assertFalse(TopLevelMembers.scan("{\"a\":\"\u0001\"}", (n, v) -> { }));
    assertTrue(TopLevelMembers.scan("{\"a\":-1.5e3,\"b\":null}", (n, v) -> { }));
  }
}
