/*
 * The program of Berth's hello-world image: a static binary, so that the image needs nothing
 * but this one file. It writes with write(2) only, to stay small.
 */
#include <errno.h>
#include <unistd.h>

static const char message[] =
	"\n"
	"Hello from Berth!\n"
	"If you can read this, the engine ran a container for you.\n"
	"\n"
	"What just happened:\n"
	" 1. Your client asked the Berth daemon, over its socket, to run \"hello-world\".\n"
	" 2. The daemon found the image in its local store: it was built on this\n"
	"    machine, no registry was asked.\n"
	" 3. It stacked the image's layers with overlayfs, made a container of them\n"
	"    and started this program in fresh namespaces.\n"
	" 4. The daemon passed what the program wrote back to your client, which\n"
	"    printed it on your terminal.\n"
	"\n"
	"Next, try a shell inside a container:\n"
	" $ docker run -it --rm busybox sh\n"
	"\n";

int main(void)
{
	const char *p = message;
	size_t left = sizeof(message) - 1;

	while (left > 0) {
		ssize_t n = write(STDOUT_FILENO, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		p += n;
		left -= (size_t)n;
	}
	return 0;
}
