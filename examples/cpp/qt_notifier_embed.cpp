/* ctexec inside a Qt 6 event loop (a headless QCoreApplication): a
 * QSocketNotifier watches the executor's descriptor, and its slot calls
 * ctexec_run_ready with a budget, so Qt's timers and events keep running
 * between batches.  Usage: qt_notifier_embed [submitters] [items each] [queued] */
#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTimer>
#include "embed_work.h"

static void stop() { QCoreApplication::quit(); }

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    work_start(argc, argv, stop);
    int fd;
    if (ctexec_fd(work.ex, &fd) != CTEXEC_OK) DIE("ctexec_fd");
    QSocketNotifier ready(fd, QSocketNotifier::Read);
    QObject::connect(&ready, &QSocketNotifier::activated, [] {
        /* At most 1000 items per turn; the descriptor stays readable if
         * more remain, so Qt calls us again after its other events. */
        int rc = ctexec_run_ready(work.ex, 1000, -1, nullptr);
        if (rc < 0) DIE("run_ready: %s", ctexec_strerror(rc));
    });
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    QObject::connect(&tick, &QTimer::timeout, work_tick);
    tick.start(1);
    app.exec();
    ready.setEnabled(false); /* before ctexec_free closes the descriptor */
    tick.stop();
    return work_finish("qt-notifier", 20 * 1000000);
}
