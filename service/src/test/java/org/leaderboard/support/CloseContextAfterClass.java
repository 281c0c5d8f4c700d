package org.leaderboard.support;

import org.springframework.test.annotation.DirtiesContext.HierarchyMode;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestExecutionListener;

/**
 * Closes every test class's application context once the class is done. Test classes share a
 * few Redis database indexes (Redis has 16); a cached context left running would keep applying
 * and rebuilding its own ledger into an index the next class uses. No context is reused across
 * classes here anyway: each class has its own database and properties.
 */
public class CloseContextAfterClass implements TestExecutionListener {

    @Override
    public void afterTestClass(TestContext testContext) {
        if (testContext.hasApplicationContext()) {
            testContext.markApplicationContextDirty(HierarchyMode.EXHAUSTIVE);
        }
    }
}
