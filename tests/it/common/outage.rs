//! Service outages on demand.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy in front of a service (PostgreSQL, Valkey, SMTP...) that a test can cut and
/// restore, standing in for a service that goes away and comes back.
pub struct Outage {
    pub address: SocketAddr,
    down: Arc<AtomicBool>,
}

impl Outage {
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let down = Arc::new(AtomicBool::new(false));
        let flag = down.clone();
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let flag = flag.clone();
                tokio::spawn(async move {
                    if flag.load(Ordering::SeqCst) {
                        return; // refuse: drop the connection at once
                    }
                    let Ok(mut server) = TcpStream::connect(target).await else {
                        return;
                    };
                    let watch = async {
                        while !flag.load(Ordering::SeqCst) {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        () = watch => {}
                    }
                });
            }
        });
        Self { address, down }
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}
