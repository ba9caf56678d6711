/* ctexec inside a Qt 6 event loop through the notify callback, with no
 * descriptor: as Cocoa and Win32 hosts do, the callback posts a message
 * (QMetaObject::invokeMethod with Qt::QueuedConnection, safe from any
 * thread), and the posted call runs ctexec_run_ready with a budget on the
 * loop thread, posting itself again while items remain.
 * Usage: qt_notify_embed [submitters] [items each] [queued] */
#include <QCoreApplication>
#include <QTimer>
#include "embed_work.h"

static void run_some(QCoreApplication *app);

static void post_run(QCoreApplication *app) {
    QMetaObject::invokeMethod(app, [app] { run_some(app); }, Qt::QueuedConnection);
}

static void run_some(QCoreApplication *app) {
    /* At most 1000 items per turn, then Qt's other events and timers. */
    int rc = ctexec_run_ready(work.ex, 1000, -1, nullptr);
    if (rc < 0) DIE("run_ready: %s", ctexec_strerror(rc));
    if (rc == 1) post_run(app); /* more remain; 0: the next submit notifies */
}

/* On a submitting thread, once per transition from empty to not empty. */
static void on_notify(ctexec *, void *app) { post_run(static_cast<QCoreApplication *>(app)); }

static void stop() { QCoreApplication::quit(); }

int main(int argc, char **argv) {
    QCoreApplication app(argc, argv);
    work_start(argc, argv, stop);
    if (ctexec_set_notify(work.ex, on_notify, &app) != CTEXEC_OK) DIE("ctexec_set_notify");
    QTimer tick;
    tick.setTimerType(Qt::PreciseTimer);
    QObject::connect(&tick, &QTimer::timeout, work_tick);
    tick.start(1);
    app.exec();
    tick.stop();
    return work_finish("qt-notify", 20 * 1000000);
}
