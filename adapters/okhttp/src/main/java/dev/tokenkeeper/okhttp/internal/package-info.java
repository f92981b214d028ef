/** Internal: not part of TokenKeeper's API; may change in any release. */
package dev.tokenkeeper.okhttp.internal;
